"""The runner never applies on a wrong base: a gap from an empty checkpoint, and a log that
went backwards or was replaced (its own nats-server, so the stream can be recreated)."""

import asyncio
import uuid
from datetime import date

import nats
import pytest
from nats.js.api import ConsumerConfig, DeliverPolicy

import services.reporting.rebuild as rebuild
import shared.runner
from deploy.embedded import start_nats
from services.reporting.main import Reporting
from services.reporting.rebuild import replay
from shared.delivery import decode
from shared.envelope import STREAM
from shared.jetstream import JetStreamEventStore, ensure_stream
from shared.runner import ConsumerStalled, ProjectionRunner
from shared.runtime import Runtime
from shared.store import StoreUnavailable
from tests.integration.tally import Tally, checkpoint, settings_for, tallies, until
from tests.integration.test_runner import write


async def test_a_gap_in_the_first_batch_from_an_empty_checkpoint_writes_nothing(
        nc, pool, store, prison_id, schema):
    await write(store, prison_id, [str(uuid.uuid4())], 6)  # the stream holds 1..6 at least
    sub = await nc.jetstream().subscribe(
        "pulih.events.>", ordered_consumer=True,
        config=ConsumerConfig(deliver_policy=DeliverPolicy.BY_START_SEQUENCE, opt_start_seq=1))
    first = [decode(await sub.next_msg(timeout=5)) for _ in range(6)]
    await sub.unsubscribe()
    runner = ProjectionRunner(nc, pool, [Tally(prison_id)], schema=schema)
    await runner.prepare()
    with pytest.raises(ConsumerStalled):
        await runner.apply([first[0], first[1], first[4], first[5]])  # 3 and 4 lost
    assert await checkpoint(pool, schema) == 0


@pytest.fixture
async def own_nats(server_dir):
    server = start_nats(server_dir)
    client = await nats.connect(server.url)
    await ensure_stream(client)
    yield server.url, client
    await client.drain()
    server.stop()


async def _recreate(client):
    """The stream lost and created again (a restore, a recreation): a store with no cache."""
    await client.jetstream().delete_stream(STREAM)
    await ensure_stream(client)
    return JetStreamEventStore(client)


async def test_a_log_that_went_backwards_or_was_replaced_stops_the_runner_until_a_replay(
        own_nats, pool, prison_id, schema, database_url, monkeypatch):
    monkeypatch.setattr(shared.runner, "STALL_CHECK_S", 0.1)
    monkeypatch.setattr(shared.runner, "DIVERGED_RETRY_S", 0.1, raising=False)
    url, client = own_nats
    applied = str(uuid.uuid4())
    last = await write(JetStreamEventStore(client), prison_id, [applied], 6)
    runner = ProjectionRunner(client, pool, [Tally(prison_id)], schema=schema)
    task = asyncio.create_task(runner.run())
    try:
        await runner.wait_for(last)
        store = await _recreate(client)
        other = str(uuid.uuid4())
        await write(store, prison_id, [other], 3)  # shorter than what was applied
        problem = await until(lambda: _attr(runner, "problem"))
        assert "went backwards" in problem
        # It grows past the checkpoint with other events: still nothing applied on it.
        await write(store, prison_id, [other], 5, start=3)
        await until(lambda: _contains(runner, "was replaced"))
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    restarted = ProjectionRunner(client, pool, [Tally(prison_id)], schema=schema)
    task = asyncio.create_task(restarted.run())
    try:
        assert "was replaced" in await until(lambda: _attr(restarted, "problem"))
        assert await checkpoint(pool, schema) == last
        assert await tallies(pool, schema) == {applied: list(range(6))}
        await _health_shows_it(url, database_url, schema, restarted)
        # The remedy: a full replay rebuilds from the log as it is; the runner carries on.
        monkeypatch.setattr(rebuild, "projections", lambda: [Tally(prison_id)])
        assert await replay(settings_for(schema), url, database_url, "all") == 0
        await until(lambda: _is_none(restarted, "problem"))
        assert await tallies(pool, schema) == {other: list(range(8))}
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def _health_shows_it(url, database_url, schema, runner):
    """/health names the problem; the live reports refuse to answer on that base."""
    rt = Runtime(settings_for(schema), url, database_url)
    await rt.open()
    try:
        reporting = Reporting(rt)
        reporting.runner = runner
        health = await reporting.reads.health()
        assert health["problem"] == runner.problem
        assert health["projections"]["tally"]["last_seq"] == await checkpoint(
            await rt.pool(), schema)
        with pytest.raises(StoreUnavailable, match="was replaced"):
            await reporting.reads.agreements(schema, date.today(), None, None, None)
    finally:
        await rt.stop()


async def _attr(obj, name):
    return getattr(obj, name, None)


async def _is_none(obj, name):
    return getattr(obj, name) is None


async def _contains(runner, text):
    return text in (getattr(runner, "problem", None) or "")
