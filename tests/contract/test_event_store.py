"""One suite, two backends: the in-memory fake must behave like JetStream."""

import asyncio
import uuid

import pytest

from shared.envelope import CommandMeta, NewEvent, StreamId, compute_hash, event_id
from shared.errors import Rejected
from shared.store import ConcurrencyConflict, TooManyEvents


def meta(command_id=None, command="Note 0"):
    command_id = command_id or str(uuid.uuid4())
    return CommandMeta(command_id, "officer:test:rina", correlation_id=command_id,
                       fingerprint=command)


def event(kind="Noted", n=1):
    return NewEvent(kind, {"n": n, "note": "ok"}, "2025-02-22T00:00:00+07:00")


def stream_in(prison_id):
    return StreamId(prison_id, "agreement", str(uuid.uuid4()))


async def append_each(store, stream, events):
    """One command per event (a command appends at most one), each after the last."""
    results = []
    for new in events:
        results.append(await store.append(await store.load(stream, fresh=False), [new], meta()))
    return results


async def test_append_then_load_from_a_cold_cache(make_store, prison_id):
    writer, reader = make_store(), make_store()
    stream = stream_in(prison_id)
    first = await writer.append(await writer.load(stream), [event(n=1)], meta())
    more = await append_each(writer, stream, [event(n=2), event(n=3)])
    history = await reader.load(stream)
    assert [r.envelope["data"]["n"] for r in history.events] == [1, 2, 3]
    assert [r.envelope["aggregate_version"] for r in history.events] == [1, 2, 3]
    assert [r.seq for r in history.events] == [first.events[0].seq,
                                              *[m.events[0].seq for m in more]]
    assert more[-1].version == 3 and not more[-1].duplicate
    assert all(r.envelope["prison_id"] == prison_id for r in history.events)


async def test_other_aggregates_do_not_interfere(make_store, prison_id):
    store = make_store()
    a, b = stream_in(prison_id), stream_in(prison_id)
    await store.append(await store.load(a), [event()], meta())
    await store.append(await store.load(b), [event()], meta())
    appended = await store.append(await store.load(a, fresh=False), [event()], meta())
    assert appended.version == 2
    assert len((await make_store().load(b)).events) == 1


async def test_stale_writer_gets_a_conflict_with_the_current_history(make_store, prison_id):
    a, b = make_store(), make_store()
    stream = stream_in(prison_id)
    await a.append(await a.load(stream), [event()], meta())
    stale = await b.load(stream)
    await a.append(await a.load(stream), [event()], meta())
    with pytest.raises(ConcurrencyConflict) as caught:
        await b.append(stale, [event()], meta())
    assert caught.value.history.version == 2
    assert len((await make_store().load(stream)).events) == 2


async def test_retried_command_returns_the_original_and_writes_nothing(make_store, prison_id):
    store = make_store()
    stream = stream_in(prison_id)
    command = meta()
    original = await store.append(await store.load(stream), [event()], command)
    retry = await store.append(await store.load(stream), [event()], command)
    assert retry.duplicate and retry.reply() == original.reply()
    assert len((await make_store().load(stream)).events) == 1


async def test_retry_through_a_stale_cache_after_the_duplicate_window(make_store, prison_id):
    first, second = make_store(), make_store()
    stream = stream_in(prison_id)
    await first.append(await first.load(stream), [event()], meta())
    stale = await second.load(stream)  # the retrying instance has not seen the command
    command = meta()
    original = await first.append(await first.load(stream), [event()], command)
    # The server forgets message ids after its duplicate window; idempotency must not rely
    # on it. Waiting out the window is the scenario itself, not a synchronisation.
    await asyncio.sleep(make_store.window * 1.5)
    retry = await second.append(stale, [event()], command)
    assert retry.duplicate and retry.reply() == original.reply()
    assert len((await make_store().load(stream)).events) == 2


async def test_thirty_concurrent_writers_exactly_one_wins(make_store, prison_id):
    stream = stream_in(prison_id)
    seed = make_store()
    await seed.append(await seed.load(stream), [event()], meta())
    writers = [make_store() for _ in range(30)]
    histories = [await w.load(stream) for w in writers]

    async def write(store, history):
        try:
            return await store.append(history, [event(n=2)], meta())
        except ConcurrencyConflict as exc:
            return exc

    results = await asyncio.gather(*(write(w, h) for w, h in zip(writers, histories, strict=False)))
    wins = [r for r in results if not isinstance(r, ConcurrencyConflict)]
    assert len(wins) == 1 and wins[0].version == 2
    assert sum(isinstance(r, ConcurrencyConflict) for r in results) == 29
    assert len((await make_store().load(stream)).events) == 2


async def test_hash_chain_and_derived_event_ids(make_store, prison_id):
    store = make_store()
    stream = stream_in(prison_id)
    commands = [meta() for _ in range(3)]
    for command in commands:
        await store.append(await store.load(stream), [event()], command)
    events = [r.envelope for r in (await make_store().load(stream)).events]
    assert events[0]["prev_hash"] == ""
    for before, after in zip(events, events[1:], strict=False):
        assert after["prev_hash"] == before["hash"]
    for envelope, command in zip(events, commands, strict=False):
        assert envelope["hash"] == compute_hash(envelope)
        assert envelope["event_id"] == event_id(command.command_id, 0)
        assert len(envelope["hash"]) == 64 and envelope["hash"] == envelope["hash"].lower()


async def test_read_matches_the_fields_given(make_store, prison_id):
    store = make_store()
    stream = stream_in(prison_id)
    await append_each(store, stream, [event("Signed"), event("Noted")])
    everything = await store.read(prison_id)
    signed = await store.read(prison_id, event_type="Signed")
    assert [r.type for r in everything] == ["Signed", "Noted"]
    assert [r.type for r in signed] == ["Signed"]


@pytest.mark.parametrize("types", [("Opened", "Noted", "Closed"), ("Noted",) * 1203])
async def test_a_cached_reader_and_a_cold_one_catch_up_exactly(make_store, prison_id, types):
    """Reads after a cached version: new events that are each the newest of their type, and a
    run longer than one read batch of a repeated type; a cold reader reads the whole."""
    writer, cached = make_store(), make_store()
    stream = stream_in(prison_id)
    await writer.append(await writer.load(stream), [event("Opened", n=0)], meta())
    assert (await cached.load(stream)).version == 1
    await append_each(writer, stream, [event(kind, n=i) for i, kind in enumerate(types, start=1)])
    for reader in (cached, make_store()):
        history = await reader.load(stream)
        assert [r.envelope["data"]["n"] for r in history.events] == list(range(len(types) + 1))
        assert [r.type for r in history.events] == ["Opened", *types]
        assert [r.seq for r in history.events] == sorted(r.seq for r in history.events)
    assert (await cached.load(stream)).version == len(types) + 1  # and nothing read twice


async def test_load_many_reads_several_aggregates_fresh_in_one_go(make_store, prison_id):
    writer, reader = make_store(), make_store()
    busy, quiet, empty = stream_in(prison_id), stream_in(prison_id), stream_in(prison_id)
    await writer.append(await writer.load(busy), [event("Opened", n=0)], meta())
    await writer.append(await writer.load(quiet), [event("Opened", n=0)], meta())
    await reader.load_many([busy, quiet])  # both cached at version 1
    await append_each(writer, busy, [event("Noted", n=i) for i in range(1, 4)])
    histories = await reader.load_many([busy, quiet, empty])
    assert [[r.envelope["data"]["n"] for r in h.events] for h in histories] == [
        [0, 1, 2, 3], [0], []]
    assert [h.stream for h in histories] == [busy, quiet, empty]
    assert await reader.load(busy, fresh=False) is histories[0]  # and the cache holds them


async def test_a_command_of_several_events_is_refused_and_writes_nothing(make_store, prison_id):
    """All or nothing: until the log can append a command's events atomically, the store
    refuses more than one rather than risk a half-written command."""
    store = make_store()
    stream = stream_in(prison_id)
    with pytest.raises(TooManyEvents):
        await store.append(await store.load(stream), [event(n=1), event(n=2)], meta())
    assert (await make_store().load(stream)).events == ()


async def test_a_command_id_reused_on_the_same_aggregate_is_a_conflict(make_store, prison_id):
    first, second = make_store(), make_store()
    stream = stream_in(prison_id)
    command_id = str(uuid.uuid4())
    original = await first.append(await first.load(stream), [event()],
                                  meta(command_id, "ScheduleSession aaa"))
    for store in (first, second):  # a warm cache and a cold one
        with pytest.raises(Rejected) as caught:
            await store.append(await store.load(stream), [event("Cancelled")],
                               meta(command_id, "CancelSession bbb"))
        assert caught.value.code == "conflict"
        assert caught.value.message == "command_id already used"
    retry = await second.append(await second.load(stream), [event()],
                                meta(command_id, "ScheduleSession aaa"))
    assert retry.reply() == original.reply()
    assert len((await make_store().load(stream)).events) == 1


@pytest.mark.parametrize("after_window", [False, True])
async def test_a_command_id_reused_on_another_aggregate_is_a_conflict(
        make_store, prison_id, after_window):
    """Inside the server's duplicate window (it used to loop into "too many concurrent
    writers") and after it (it used to write a second event with the same event_id)."""
    first, second = make_store(), make_store()
    one, other = stream_in(prison_id), stream_in(prison_id)
    command_id = str(uuid.uuid4())
    await first.append(await first.load(one), [event()], meta(command_id))
    if after_window:  # waiting out the window is the scenario itself, not a synchronisation
        await asyncio.sleep(make_store.window * 1.5)
    for store, same in ((first, "Note 0"), (second, "Note 0"), (second, "Note 1")):
        with pytest.raises(Rejected) as caught:
            await store.append(await store.load(other), [event()], meta(command_id, same))
        assert caught.value.code == "conflict"
    assert (await make_store().load(other)).events == ()
    ids = [r.envelope["event_id"] for r in await make_store().read(
        prison_id, raw=True)]
    assert ids.count(event_id(command_id, 0)) == 1


async def test_prisons_of_an_id_are_read_from_the_log_in_one_request(make_store):
    """Ids are unique within a prison only: the store says which prisons hold one, whatever
    writer (and cache) wrote them, and nothing else (another type, another id)."""
    writer, reader = make_store(), make_store()
    first, second = f"lapas-{uuid.uuid4().hex[:8]}", f"lapas-{uuid.uuid4().hex[:8]}"
    shared_id = str(uuid.uuid4())
    assert await reader.prisons_of("agreement", shared_id) == set()
    for prison in (first, second):
        stream = StreamId(prison, "agreement", shared_id)
        await writer.append(await writer.load(stream), [event()], meta())
    await writer.append(await writer.load(StreamId(first, "program", shared_id)), [event()],
                        meta())
    assert await reader.prisons_of("agreement", shared_id) == {first, second}
    assert await reader.prisons_of("program", shared_id) == {first}
    assert await reader.prisons_of("session", shared_id) == set()
    assert await reader.prisons_of("agreement", str(uuid.uuid4())) == set()
