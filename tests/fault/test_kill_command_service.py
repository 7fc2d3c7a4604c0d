"""kill -9 of command services mid-load: every acknowledged command's events are in the log
exactly once, and the commands left unanswered, sent again with the same command_id, land
exactly once."""

import pytest

from tests.fault.checks import settle
from tests.fault.harness import Figure
from tests.fault.load import Load

pytestmark = pytest.mark.fault
COMMANDS = 2000
KILLS = (("attendance", 0.2), ("programs", 0.45), ("attendance", 0.7))


async def test_command_services_killed_under_load(cluster):
    load = Load(cluster.route)
    await load.setup()
    # Recovery: restart → the service's next command acknowledged.
    figure = Figure(f"kill -9 attendance ×2, programs ×1; {COMMANDS} commands")

    async def kills(base: int) -> None:
        for service, fraction in KILLS:
            await load.wait_acked(base + int(COMMANDS * fraction))
            await cluster.kill_service(service)
            restarted = cluster.restart_service(service)
            figure.recovery_s.append(await load.first_ack_after(service, restarted))

    await load.during(kills, COMMANDS)
    assert await settle(cluster, load.sent, figure, rebuild=False) == []
    # The kills left commands unanswered; answered on a retry with the same command_id,
    # each is in the log once (checked above with every other command).
    assert figure.retried > 0
    cluster.services.check_alive()
