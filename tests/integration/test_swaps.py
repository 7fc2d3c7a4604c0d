"""`pulih replay` swapping tables in under a live runner: deterministic interleavings (a live
batch held inside its transaction, a swap held between its lock and its commit), real servers.
The replay builds the test's own projections (`services.reporting.rebuild.projections` patched)."""

import asyncio
import uuid

import pytest

import services.reporting.rebuild as rebuild
from services.reporting.rebuild import replay
from shared.runner import ProjectionRunner
from tests.integration.tally import (
    Tally,
    checkpoint,
    lock_waiters,
    settings_for,
    tallies,
    until,
)
from tests.integration.test_runner import write


@pytest.fixture
def paused_build(monkeypatch):
    """The replay stops after its first build (before swapping) until `go` is set."""
    built, go, real = asyncio.Event(), asyncio.Event(), rebuild._build

    async def build(*args, **kwargs):
        runner = await real(*args, **kwargs)
        if not built.is_set():
            built.set()
            await go.wait()
        return runner

    monkeypatch.setattr(rebuild, "_build", build)
    return built, go


@pytest.fixture
async def running():
    tasks = []

    def start(runner):
        tasks.append(asyncio.create_task(runner.run()))
        return runner

    yield start
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def test_a_full_swap_waits_for_the_live_batch_in_flight(
        nc, pool, store, prison_id, schema, nats_url, database_url, monkeypatch,
        paused_build, running):
    """Rebuild at phase 1, live at phase 2, a live batch of phase 3 inside its transaction
    when the swap comes: before, the batch finished in the swapped-in schema and moved its
    checkpoint past phase 2, which was then missing for ever."""
    built, go = paused_build
    monkeypatch.setattr(rebuild, "projections", lambda: [Tally(prison_id)])
    a, b = str(uuid.uuid4()), str(uuid.uuid4())
    await write(store, prison_id, [a, b], 5)
    live = Tally(prison_id)
    runner = running(ProjectionRunner(nc, pool, [live], schema=schema))
    swap = asyncio.create_task(replay(settings_for(schema), nats_url, database_url, "all"))
    await asyncio.wait_for(built.wait(), 30)
    await runner.wait_for(await write(store, prison_id, [b], 5, start=5))  # phase 2: b only
    live.gate = asyncio.Event()
    last = await write(store, prison_id, [a], 5, start=5)  # phase 3: a only
    await asyncio.wait_for(live.entered.wait(), 10)  # holds the live checkpoint row

    go.set()
    await until(lambda: _done_or_waiting(swap, pool))
    live.gate.set()
    assert await asyncio.wait_for(swap, 30) == 0
    await until(lambda: _is(tallies(pool, schema), {a: list(range(10)), b: list(range(10))}))
    await until(lambda: _is(checkpoint(pool, schema), runner.last_seq))
    assert runner.last_seq >= last


async def test_a_swap_on_a_quiet_log_leaves_nothing_missing(
        nc, pool, store, prison_id, schema, nats_url, database_url, monkeypatch,
        paused_build, running):
    """The load stopped during the replay: the rebuild ends behind the idle live runner.
    Before, the swapped-in read-model missed what came after the rebuild's end for ever
    while the runner, idle, believed it had applied it."""
    built, go = paused_build
    monkeypatch.setattr(rebuild, "projections", lambda: [Tally(prison_id)])
    aggregate = str(uuid.uuid4())
    await write(store, prison_id, [aggregate], 5)
    runner = running(ProjectionRunner(nc, pool, [Tally(prison_id)], schema=schema))
    swap = asyncio.create_task(replay(settings_for(schema), nats_url, database_url, "all"))
    await asyncio.wait_for(built.wait(), 30)
    last = await write(store, prison_id, [aggregate], 5, start=5)
    await runner.wait_for(last)

    go.set()
    assert await asyncio.wait_for(swap, 30) == 0
    await until(lambda: _is(tallies(pool, schema), {aggregate: list(range(10))}))
    # The idle runner learnt of the swap (a new generation) and follows the new checkpoint.
    await until(lambda: _is(checkpoint(pool, schema), last))
    await until(lambda: _true(getattr(runner, "generation", 0) == 1))
    assert runner.last_seq == last


async def test_a_single_projection_swap_is_not_overwritten_by_a_waiting_batch(
        nc, pool, store, prison_id, schema, nats_url, database_url, monkeypatch, running):
    """A repair (`--parked` after a fix) swapped in while a live batch, folded from the old
    table, waits for the checkpoint row: before, that batch overwrote the repaired rows."""
    monkeypatch.setattr(rebuild, "projections",
                        lambda: [Tally(prison_id), Tally(prison_id, "other")])
    moving, go, real = asyncio.Event(), asyncio.Event(), rebuild._move_tables

    async def move_tables(*args):  # the swap holds the live checkpoint row here
        moving.set()
        await go.wait()
        await real(*args)

    monkeypatch.setattr(rebuild, "_move_tables", move_tables)
    aggregate = str(uuid.uuid4())
    first = await write(store, prison_id, [aggregate], 5)
    broken = Tally(prison_id, broken_at=2)  # n = 2 is parked until the fix
    runner = running(ProjectionRunner(nc, pool, [broken, Tally(prison_id, "other")],
                                      schema=schema))
    await runner.wait_for(first)
    assert await tallies(pool, schema) == {aggregate: [0, 1, 3, 4]}
    broken.broken_at = None  # the fix is deployed; now repair the table

    swap = asyncio.create_task(
        replay(settings_for(schema), nats_url, database_url, "tally"))
    await asyncio.wait_for(moving.wait(), 30)
    await write(store, prison_id, [aggregate], 5, start=5)
    await until(lambda: lock_waiters(pool))  # a live batch folded from the old table waits
    go.set()
    assert await asyncio.wait_for(swap, 30) == 0
    await until(lambda: _is(tallies(pool, schema), {aggregate: list(range(10))}))
    assert await tallies(pool, schema, "other") == {aggregate: list(range(10))}


async def _done_or_waiting(task, pool):
    return task.done() or await lock_waiters(pool)


async def _is(value, expected):
    return await value == expected


async def _true(value):
    return value
