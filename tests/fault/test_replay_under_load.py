"""A full replay, and a single-projection replay, while 16 clients send commands: once the load
stops, the read-model equals the log and a from-scratch rebuild.

Several replays run one after the other while commands flow (each swap meets live batches), and
the last one is left to swap on a quiet log: the load stops once the replay has started building
(its fresh schema exists), so no later command would reveal a swap the live runner missed."""

import asyncio
import time

import asyncpg
import pytest

from tests.fault.checks import settle
from tests.fault.harness import Cluster, Figure, until
from tests.fault.load import Load
from tests.fault.modes import OPEN

pytestmark = pytest.mark.fault
ROUNDS = 4  # replays under load, then one more on a log going quiet
GAP = 300  # commands acknowledged before each replay


async def schemas(cluster: Cluster) -> set[str]:
    conn = await asyncpg.connect(cluster.database_url)
    try:
        return {r[0] for r in await conn.fetch(
            "SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' "
            "AND nspname <> 'information_schema'")}
    finally:
        await conn.close()


# On an open server only: what these tests exercise (a swap meeting the live runner's batches)
# is between PostgreSQL schemas, the same with credentials; `pulih replay` connecting as
# `reporting` runs in every credentials test anyway (checks.settle's rebuild).
@pytest.mark.parametrize("cluster", [OPEN], indirect=True)
@pytest.mark.parametrize("args", [("replay",), ("replay", "--projection", "sessions")],
                         ids=["full", "sessions"])
async def test_replay_while_commands_flow(cluster, args):
    load = Load(cluster.route)
    await load.setup()
    # Recovery: each replay's run time, start to swap.
    figure = Figure(f"`pulih {' '.join(args)}` ×{ROUNDS + 1}; {ROUNDS * GAP}+ commands")
    last: list[asyncio.Task] = []

    async def replays(base: int) -> None:
        for _ in range(ROUNDS):
            await load.wait_acked(load.acked + GAP)
            started = time.monotonic()
            code, out = await cluster.pulih(*args)
            assert code == 0, out
            figure.recovery_s.append(time.monotonic() - started)
        before = await schemas(cluster)
        last.append(asyncio.create_task(cluster.pulih(*args)))
        await until(lambda: _grew(cluster, before), 60, "the last replay's fresh schema")
        await load.wait_acked(load.acked + 20)  # then the load stops: a quiet log

    await load.during(replays, ROUNDS * GAP)
    code, out = await last[0]
    assert code == 0, out
    assert await settle(cluster, load.sent, figure) == []


async def _grew(cluster: Cluster, before: set[str]) -> bool:
    return bool(await schemas(cluster) - before)
