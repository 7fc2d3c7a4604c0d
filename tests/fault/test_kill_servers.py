"""kill -9 of nats-server, and of PostgreSQL, mid-load, each restarted on the same data: the
services recover by themselves (no restart), nothing acknowledged is lost, nothing doubled."""

import pytest

from tests.fault.checks import settle
from tests.fault.harness import Figure
from tests.fault.load import Load

pytestmark = pytest.mark.fault
COMMANDS = 2000


async def test_nats_server_killed_under_load(cluster):
    load = Load(cluster.route)
    await load.setup()
    # Recovery: restart → the next command acknowledged; → reporting caught up with the log.
    figure = Figure(f"kill -9 nats-server, restarted on its data; {COMMANDS} commands")

    async def kill(base: int) -> None:
        await load.wait_acked(base + COMMANDS // 3)
        await cluster.kill_nats()
        restarted = cluster.restart_nats()
        figure.recovery_s.append(await load.first_ack_after("attendance", restarted))
        at_restart = await cluster.stream_last_seq()
        figure.recovery_s.append(await cluster.caught_up(at_restart) - restarted)

    await load.during(kill, COMMANDS)
    assert await settle(cluster, load.sent, figure, stale_replies=True) == []
    cluster.services.check_alive()  # nothing was restarted but the server


async def test_postgres_killed_under_load(cluster):
    load = Load(cluster.route)
    await load.setup()
    # Recovery: restart → reporting caught up with the log as it was at the restart.
    figure = Figure(f"kill -9 PostgreSQL (every process), restarted on its data; {COMMANDS} "
                    "commands")

    async def kill(base: int) -> None:
        await load.wait_acked(base + COMMANDS // 3)
        await cluster.kill_postgres()
        await load.wait_acked(load.acked + 100)  # commands need no PostgreSQL
        # Reports answer the contract's error while the database is down.
        response = await cluster.http.get("/evaluation")
        assert response.status_code == 503, response.text
        assert response.json()["error"]["code"] == "unavailable"
        restarted = cluster.restart_postgres()
        at_restart = await cluster.stream_last_seq()
        figure.recovery_s.append(await cluster.caught_up(at_restart) - restarted)

    await load.during(kill, COMMANDS)
    assert await settle(cluster, load.sent, figure) == []
    cluster.services.check_alive()
