"""kill -9 of the reporting service, several times, while 16 clients send thousands of commands:
restarted, it resumes from its checkpoint and its read-model equals the log."""

import pytest

from tests.fault.checks import settle
from tests.fault.harness import Figure
from tests.fault.load import Load

pytestmark = pytest.mark.fault
COMMANDS = 3000
KILLS_AT = (0.15, 0.4, 0.65)  # fractions of COMMANDS acknowledged


async def test_reporting_killed_three_times_under_load(cluster):
    load = Load(cluster.route)
    await load.setup()
    # Recovery: restart → caught up with the log as it was at the restart.
    figure = Figure(f"kill -9 reporting ×{len(KILLS_AT)}; {COMMANDS} commands")

    async def kills(base: int) -> None:
        for fraction in KILLS_AT:
            await load.wait_acked(base + int(COMMANDS * fraction))
            await cluster.kill_service("reporting")
            restarted = cluster.restart_service("reporting")
            at_restart = await cluster.stream_last_seq()
            figure.recovery_s.append(await cluster.caught_up(at_restart) - restarted)

    await load.during(kills, COMMANDS)
    assert await settle(cluster, load.sent, figure) == []
    assert figure.acked >= COMMANDS and len(figure.recovery_s) == len(KILLS_AT)
