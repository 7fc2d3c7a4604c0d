"""A log that goes backwards under a store's cache (a stream deleted and created anew, restored
from an older copy, or a lost unsynced tail): the cache must notice and read the aggregate
again, never decide or append on events the log no longer has. JetStream on a private server
(the test deletes its stream), and the in-memory fake with the same rules."""

import uuid

import nats
import pytest

from deploy.embedded import start_nats
from shared.envelope import STREAM, CommandMeta, NewEvent, StreamId
from shared.folder import Folder
from shared.jetstream import JetStreamEventStore, ensure_stream
from shared.memory_store import InMemoryEventStore
from shared.store import ConcurrencyConflict

PRISON = "lapas-banyuwangi"


def meta():
    command_id = str(uuid.uuid4())
    return CommandMeta(command_id, "officer:test:rina", command_id, fingerprint="Note x")


def event(n):
    return NewEvent("Noted", {"n": n}, "2025-02-22T00:00:00+07:00")


class Log:
    """Stores over one log, and a way to make that log start again from nothing."""

    def __init__(self, make, recreate):
        self.make, self.recreate = make, recreate

    async def write(self, stream, *ns):
        store = self.make()
        for n in ns:
            await store.append(await store.load(stream), [event(n)], meta())


@pytest.fixture(params=["memory", "jetstream"])
async def log(request, server_dir):
    if request.param == "memory":
        shared = InMemoryEventStore()
        make = shared.another

        async def recreate():
            shared.log.clear()

        yield Log(make, recreate)
        return
    server = start_nats(server_dir)
    nc = await nats.connect(server.url)
    await ensure_stream(nc)

    async def recreate_stream():
        await nc.jetstream().delete_stream(STREAM)
        await ensure_stream(nc)

    try:
        yield Log(lambda: JetStreamEventStore(nc), recreate_stream)
    finally:
        await nc.close()
        server.stop()


def aggregate():
    return StreamId(PRISON, "agreement", str(uuid.uuid4()))


def ns(history):
    return [r.envelope["data"]["n"] for r in history.events]


async def test_a_shorter_log_is_noticed(log):
    stream, cached = aggregate(), log.make()
    await log.write(stream, 1, 2, 3)
    assert ns(await cached.load(stream)) == [1, 2, 3]
    await log.recreate()
    assert ns(await cached.load(stream)) == []
    await log.write(stream, 7)
    assert ns(await cached.load(stream)) == [7]


async def test_other_events_at_the_cached_sequence_are_noticed(log):
    stream, cached = aggregate(), log.make()
    await log.write(stream, 1, 2)  # seqs 1, 2
    assert ns(await cached.load(stream)) == [1, 2]
    await log.recreate()
    await log.write(aggregate(), 0)  # seq 1, elsewhere
    await log.write(stream, 8)  # seq 2 again, but another event
    assert ns(await cached.load(stream)) == [8]


async def test_a_longer_new_log_is_not_stitched_onto_the_cache(log):
    stream, cached = aggregate(), log.make()
    await log.write(stream, 1, 2)
    assert ns(await cached.load(stream)) == [1, 2]
    await log.recreate()
    await log.write(aggregate(), 0, 0, 0)
    await log.write(stream, 9)  # version 1 at seq 4
    history = await cached.load(stream)
    assert ns(history) == [9] and history.version == 1


async def test_a_command_on_a_stale_cache_decides_again_on_the_new_log(log):
    stream, writer = aggregate(), log.make()
    await log.write(stream, 1, 2, 3)
    stale = await writer.load(stream)
    await log.recreate()
    with pytest.raises(ConcurrencyConflict) as caught:  # the server's sequence check
        await writer.append(await writer.load(stream, fresh=False), [event(4)], meta())
    assert caught.value.history.version == 0 and stale.version == 3
    appended = await writer.append(caught.value.history, [event(4)], meta())
    assert appended.version == 1
    assert ns(await log.make().load(stream)) == [4]


async def test_folded_state_is_not_reused_for_another_history_of_the_same_length(log):
    stream, cached = aggregate(), log.make()
    fold = Folder(lambda state, fact: [*(state or []), fact.event.data["n"]])
    await log.write(stream, 1, 2)
    assert fold(await cached.load(stream)) == [1, 2]
    await log.recreate()
    await log.write(stream, 5, 6)
    assert fold(await cached.load(stream)) == [5, 6]
