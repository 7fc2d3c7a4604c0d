"""The projection runner against real JetStream and PostgreSQL."""

import asyncio
import uuid

import asyncpg
import orjson
import pytest
from nats.js.api import ConsumerConfig, DeliverPolicy

from shared.delivery import decode
from shared.envelope import CommandMeta, NewEvent, StreamId
from shared.projection import KeyedProjection
from shared.runner import ProjectionRunner


class Counting(KeyedProjection):
    """Records every `n` it sees per aggregate of one prison: a double apply shows as a repeat."""

    name = "counting"
    ddl = "CREATE TABLE IF NOT EXISTS counting (id text PRIMARY KEY, ns int[] NOT NULL);"

    def __init__(self, prison_id, fail_once=False):
        self.prison_id, self.fail_once = prison_id, fail_once

    def key(self, envelope):
        return envelope["aggregate_id"] if envelope["prison_id"] == self.prison_id else None

    def evolve(self, doc, envelope):
        if envelope["type"] != "Counted":
            raise ValueError(f"unknown event type {envelope['type']}")
        doc = doc or {"id": envelope["aggregate_id"], "ns": []}
        return {**doc, "ns": [*doc["ns"], envelope["data"]["n"]]}

    async def load(self, conn, keys):
        rows = await conn.fetch("SELECT id, ns FROM counting WHERE id = ANY($1)", keys)
        return {r["id"]: {"id": r["id"], "ns": list(r["ns"])} for r in rows}

    async def save(self, conn, docs):
        await conn.executemany(
            "INSERT INTO counting (id, ns) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET ns = $2",
            [(d["id"], d["ns"]) for d in docs.values()])
        if self.fail_once:  # a crash after the rows were written, before the commit
            self.fail_once = False
            raise asyncpg.PostgresError("simulated crash mid-transaction")


async def write(store, prison_id, aggregates, per_aggregate, start=0):
    last = 0
    for agg in aggregates:
        stream = StreamId(prison_id, "session", agg)
        for n in range(start, start + per_aggregate):
            c = str(uuid.uuid4())
            counted = NewEvent("Counted", {"n": n}, "2025-01-01T00:00:00+07:00")
            appended = await store.append(await store.load(stream, fresh=False), [counted],
                                          CommandMeta(c, "test", c))
            last = appended.events[-1].seq
    return last


async def counts(pool, schema):
    async with pool.acquire() as conn:
        rows = await conn.fetch(f'SELECT id, ns FROM "{schema}".counting')
    return {r["id"]: list(r["ns"]) for r in rows}


async def test_resumes_from_its_checkpoint_after_a_restart(nc, pool, store, prison_id, schema):
    aggregates = [str(uuid.uuid4()) for _ in range(5)]
    mid = await write(store, prison_id, aggregates, 40)
    first = ProjectionRunner(nc, pool, [Counting(prison_id)], schema=schema, batch_size=37)
    task = asyncio.create_task(first.run())
    await first.wait_for(mid)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    last = await write(store, prison_id, aggregates, 40, start=40)

    second = ProjectionRunner(nc, pool, [Counting(prison_id)], schema=schema, batch_size=37)
    await second.run_until(last)
    assert await counts(pool, schema) == {a: list(range(80)) for a in aggregates}
    assert second.last_seq >= last


async def test_a_redelivered_batch_is_not_applied_twice(nc, pool, store, prison_id, schema):
    runner = ProjectionRunner(nc, pool, [Counting(prison_id)], schema=schema)
    await runner.run_until(await write(store, "lapas-elsewhere", [str(uuid.uuid4())], 1))
    aggregates = [str(uuid.uuid4())]
    last = await write(store, prison_id, aggregates, 30)
    received = []
    sub = await nc.jetstream().subscribe(
        f"pulih.events.{prison_id}.>", ordered_consumer=True,
        config=ConsumerConfig(deliver_policy=DeliverPolicy.BY_START_SEQUENCE,
                              opt_start_seq=runner.last_seq + 1))
    while len(received) < 30:
        received.append(await sub.next_msg(timeout=5))
    await sub.unsubscribe()
    assert received[-1].metadata.sequence.stream == last
    deliveries = [decode(m) for m in received]
    await runner.apply(deliveries[:20])
    await runner.apply(deliveries[:20])  # redelivered whole
    await runner.apply(deliveries[10:30])  # overlapping redelivery
    assert await counts(pool, schema) == {aggregates[0]: list(range(30))}
    assert runner.last_seq == last


async def test_a_crash_mid_transaction_neither_skips_nor_repeats(nc, pool, store, prison_id,
                                                                  schema):
    aggregates = [str(uuid.uuid4()) for _ in range(3)]
    last = await write(store, prison_id, aggregates, 20)
    runner = ProjectionRunner(nc, pool, [Counting(prison_id, fail_once=True)], schema=schema)
    await runner.run_until(last)
    assert await counts(pool, schema) == {a: list(range(20)) for a in aggregates}


class Overlapping(Counting):
    """Counting that notes each fold made while the previous batch was still being written,
    and fails one write on its way (after its rows, before its commit)."""

    def __init__(self, prison_id, fail_at_save):
        super().__init__(prison_id)
        self.saves, self.fail_at_save, self.overlapped = 0, fail_at_save, 0

    async def fold(self, conn, batch, unsaved):
        self.overlapped += bool(unsaved)
        return await super().fold(conn, batch, unsaved)

    async def save(self, conn, docs):
        self.saves += 1
        self.fail_once = self.saves == self.fail_at_save
        await super().save(conn, docs)


async def test_pipelined_batches_apply_each_event_once_through_a_failed_write(
        nc, pool, store, prison_id, schema):
    """Batch N+1 is folded while batch N is written: documents N touches come from N, and a
    write that fails drops the batches folded on top of it (the runner resumes from its
    checkpoint)."""
    aggregates = [str(uuid.uuid4()) for _ in range(3)]
    first = await write(store, prison_id, aggregates[:1], 1)
    last = await write(store, prison_id, aggregates, 30)
    projection = Overlapping(prison_id, fail_at_save=4)
    runner = ProjectionRunner(nc, pool, [projection], schema=schema, batch_size=7)
    await runner.prepare()
    async with pool.acquire() as conn:  # start just before this test's events
        await conn.execute(f'UPDATE "{schema}".checkpoint SET last_seq = $1', first - 1)
    await runner.run_until(last)
    assert await counts(pool, schema) == {a: (list(range(30)) if a != aggregates[0]
                                              else [0, *range(30)]) for a in aggregates}
    assert projection.overlapped > 0 and projection.saves > projection.fail_at_save


async def test_poison_events_are_parked_and_the_runner_goes_on(nc, pool, store, prison_id,
                                                              schema):
    good = str(uuid.uuid4())
    await write(store, prison_id, [good], 3)
    js = nc.jetstream()
    bad = f"pulih.events.{prison_id}.session.{uuid.uuid4()}"
    malformed = await js.publish(f"{bad}.Counted", b"{not json")
    unknown = await js.publish(f"{bad}.Mystery", orjson.dumps(
        {"type": "Mystery", "prison_id": prison_id, "aggregate_id": "x", "data": {}}))
    last = await write(store, prison_id, [good], 3, start=3)

    runner = ProjectionRunner(nc, pool, [Counting(prison_id)], schema=schema)
    await runner.run_until(last)
    assert await counts(pool, schema) == {good: list(range(6))}
    async with pool.acquire() as conn:
        # The stream is shared with other tests' poison: look at this prison's.
        parked = await conn.fetch(
            f'SELECT seq, reason FROM "{schema}".parked WHERE subject LIKE $1 ORDER BY seq',
            f"pulih.events.{prison_id}.%")
    assert [(r["seq"]) for r in parked] == [malformed.seq, unknown.seq]
    assert "malformed" in parked[0]["reason"] and "Mystery" in parked[1]["reason"]
    assert runner.parked_count >= 2


async def test_a_lost_delivery_at_the_end_of_the_log_is_noticed(nc, pool, store, prison_id,
                                                                 schema, monkeypatch):
    import shared.runner

    monkeypatch.setattr(shared.runner, "STALL_CHECK_S", 0.2)
    aggregates = [str(uuid.uuid4())]
    last = await write(store, prison_id, aggregates, 5)
    runner = ProjectionRunner(nc, pool, [Counting(prison_id)], schema=schema)
    receive, dropped = runner._receive, []

    async def lossy(msg):  # the client drops the very last message once, as a slow consumer
        if msg.metadata.sequence.stream == last and not dropped:
            dropped.append(msg)
            return
        await receive(msg)

    runner._receive = lossy
    await asyncio.wait_for(runner.run_until(last), 30)
    assert dropped and await counts(pool, schema) == {aggregates[0]: list(range(5))}


async def test_a_gap_in_the_deliveries_writes_nothing(nc, pool, store, prison_id, schema):
    from shared.runner import ConsumerStalled

    runner = ProjectionRunner(nc, pool, [Counting(prison_id)], schema=schema)
    await runner.run_until(await write(store, "lapas-elsewhere", [str(uuid.uuid4())], 1))
    aggregate = str(uuid.uuid4())
    await write(store, prison_id, [aggregate], 4)
    received = []
    sub = await nc.jetstream().subscribe(
        f"pulih.events.{prison_id}.>", ordered_consumer=True,
        config=ConsumerConfig(deliver_policy=DeliverPolicy.BY_START_SEQUENCE,
                              opt_start_seq=runner.last_seq + 1))
    while len(received) < 4:
        received.append(decode(await sub.next_msg(timeout=5)))
    await sub.unsubscribe()
    with pytest.raises(ConsumerStalled):
        await runner.apply([received[0], received[2], received[3]])  # the second one lost
    assert await counts(pool, schema) == {}
    await runner.apply(received)
    assert await counts(pool, schema) == {aggregate: list(range(4))}


async def test_a_runner_stops_when_cancelled_even_after_its_connection_closed(
        nats_url, pool, store, prison_id, schema):
    """Shutdown closes NATS, then cancels the runner: before, unsubscribing on the closed
    connection raised in the runner's `finally`, replacing the cancellation, and the runner
    went on retrying for ever (a test teardown hung on it)."""
    import nats

    last = await write(store, prison_id, [str(uuid.uuid4())], 3)
    own = await nats.connect(nats_url)
    runner = ProjectionRunner(own, pool, [Counting(prison_id)], schema=schema)
    task = asyncio.create_task(runner.run())
    await runner.wait_for(last)
    await own.close()
    task.cancel()
    done, _ = await asyncio.wait([task], timeout=10)
    assert task in done and task.cancelled()
