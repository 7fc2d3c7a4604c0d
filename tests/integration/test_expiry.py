"""AgreementExpired is written once even when two instances of the service race, on JetStream."""

import asyncio
import uuid
from datetime import UTC, datetime

from services.agreements.expiry import expire_due
from services.agreements.handlers import TABLE
from shared.envelope import CommandMeta, NewEvent, StreamId
from shared.executor import Context, Executor
from shared.jetstream import JetStreamEventStore

SIGNED = {
    "number": "PKS/1", "title": "Rehabilitasi", "partner": {
        "id": "yayasan-gennesa", "name": "Yayasan Gennesa", "kind": "foundation"},
    "services": ["counseling"], "signed_on": "2025-01-05", "effective_from": "2025-01-05",
    "effective_until": "2025-03-31", "signatories": [
        {"name": "A", "title": "Kalapas", "party": "prison"},
        {"name": "B", "title": "Ketua", "party": "partner"}],
    "renews": None, "committed_sessions_per_month": None}


async def test_two_instances_expire_an_agreement_exactly_once(nc, prison_id):
    stream = StreamId(prison_id, "agreement", str(uuid.uuid4()))
    seed = JetStreamEventStore(nc)
    command = str(uuid.uuid4())
    await seed.append(await seed.load(stream), [NewEvent(
        "AgreementSigned", SIGNED, "2025-01-05T00:00:00+07:00")],
        CommandMeta(command, "officer:test", command))
    later = datetime(2025, 4, 2, 3, 0, tzinfo=UTC)
    instances = [Executor(Context(JetStreamEventStore(nc), lambda: later), TABLE)
                 for _ in range(2)]
    for executor in instances:  # both have the agreement cached, as a running service would
        await executor.ctx.store.load(stream)

    results = await asyncio.gather(*(expire_due(e, prison_id) for e in instances))
    mine = [a for written in results for a in written]
    assert {a.stream for a in mine} == {stream}
    history = await JetStreamEventStore(nc).load(stream)
    assert [r.type for r in history.events] == ["AgreementSigned", "AgreementExpired"]
    assert history.events[1].envelope["data"] == {"expired_on": "2025-04-01"}
    assert len({a.reply()["events"][0]["seq"] for a in mine}) == 1  # both report the one event
    again = [a for e in instances for a in await expire_due(e, prison_id)]
    assert again == []
