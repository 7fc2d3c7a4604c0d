"""A runner slower than the log is held back by the server's flow control; nothing is dropped.

Own nats-server: the test needs a log of ~75 MB, more than the server's flow-control window
(32 MiB) plus the runner's client-side queue limit, and must not grow the session's shared stream.
"""

import asyncio
import collections

import nats
import orjson
import pytest

from deploy.embedded import start_nats
from shared.jetstream import ensure_stream
from shared.projection import Folded
from shared.runner import ProjectionRunner

EVENTS = 50_000
PAD = "x" * 1400  # ~1.5 KB a message, as a held session with its marks


class Slow:
    """Ignores every event, and takes 10 ms a batch doing so: a runner far slower than the
    server can push."""

    name = "slow"
    ddl = "SELECT 1;"

    async def fold(self, conn, batch, unsaved):
        await conn.fetchval("SELECT pg_sleep(0.01)")
        return Folded()

    async def save(self, conn, docs):
        raise AssertionError("nothing to save")


@pytest.fixture
async def lone_nats(tmp_path):
    server = await asyncio.to_thread(start_nats, tmp_path / "nats")
    try:
        yield server.url
    finally:
        await asyncio.to_thread(server.stop)


async def test_a_slow_runner_holds_the_log_back_instead_of_dropping(lone_nats, pool, schema):
    errors: collections.Counter[str] = collections.Counter()

    async def on_error(exc):
        errors[type(exc).__name__] += 1

    nc = await nats.connect(lone_nats, error_cb=on_error)
    try:
        await ensure_stream(nc)
        js = nc.jetstream()
        for start in range(0, EVENTS, 2000):
            await asyncio.gather(*(js.publish(
                f"pulih.events.lapas-fc.session.s{n}.Noted",
                orjson.dumps({"type": "Noted", "schema_version": 1, "pad": PAD}))
                for n in range(start, start + 2000)))
        runner = ProjectionRunner(nc, pool, [Slow()], schema=schema, batch_size=100,
                                  max_buffer=500, pending_bytes=48 * 1024 * 1024)
        task = asyncio.create_task(runner.run())
        try:
            await runner.wait_for(20_000, timeout=60)  # 200 batches: the server is far ahead
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        assert errors["SlowConsumerError"] == 0
        assert runner.resumes == 0
    finally:
        await nc.close()
