"""Every event the services write, checked by the audit: the demo scenario (plus an amendment,
an expiry, the intake pipeline, the custody events and a phase plan, which it lacks) sent
through the three command services' real handlers, in memory."""

import uuid

import orjson
import pytest

from deploy.demo import demo_id, program_id, scenario
from ops.checks import Verifier, verify
from ops.example_phases import phased
from ops.examples import ASSIGNMENT, CUSTODY, QUOTA, REGION_ACTOR, intake_steps, urine_commands
from ops.history import SUMMARIES, history_row
from ops.verify import entry
from services.agreements import handlers as agreement_handlers
from services.agreements.expiry import expire_due
from services.attendance import handlers as attendance_handlers
from services.programs import handlers as program_handlers
from shared.bus import command_subject
from shared.command_edge import handle
from shared.contract.events import EVENT_AGGREGATES, EVENT_SCHEMAS
from shared.contract.validation import validate
from shared.eventlog import LogMessage
from shared.executor import Context, Executor
from shared.memory_store import InMemoryEventStore, subject_of
from shared.store import utc_now

PRISON = "lapas-audit-demo"
EXPIRED = {
    "agreement_id": "4d1e2f3a-5b6c-4d7e-8f90-a1b2c3d4e5f6", "number": "PKS/LAD/2024/I/001",
    "title": "Bimbingan konseling", "partner": {"id": "yayasan-gennesa", "name": "Gennesa",
                                                "kind": "foundation"},
    "services": ["counseling"], "signed_on": "2024-01-10", "effective_from": "2024-01-10",
    "effective_until": "2025-01-09", "signatories": [
        {"name": "Kalapas", "title": "Kepala Lapas", "party": "prison"},
        {"name": "Ketua", "title": "Ketua Yayasan", "party": "partner"}],
    "renews": None, "committed_sessions_per_month": None}


async def demo_log(prison: str) -> list[LogMessage]:
    """The messages the services write for the demo, as JetStream would store them."""
    store = InMemoryEventStore()
    ctx = Context(store, utc_now)
    executors = {service: Executor(ctx, handlers.TABLE) for service, handlers in (
        ("agreements", agreement_handlers), ("programs", program_handlers),
        ("attendance", attendance_handlers))}

    async def send(service: str, name: str, data: dict, actor: str = f"officer:{prison}:demo"
                   ) -> None:
        body = orjson.dumps({"command_id": str(uuid.uuid4()), "actor": actor,
                             "expected_version": None, "data": data})
        reply = await handle(executors[service], name,
                             command_subject(prison, service, name), body, None)
        assert reply["ok"], (name, reply)

    for service, name, data in [*scenario(prison), *intake_steps(prison)]:
        await send(service, name, data)
    await send("agreements", "AmendAgreement", {
        "agreement_id": demo_id("agreement/lrppn-bi-2025", prison), "signed_on": "2025-06-02",
        "changes": {"committed_sessions_per_month": 6, "services": ["counseling"]},
        "note": "Tambahan sesi konseling"})
    await send("agreements", "SignAgreement", EXPIRED)
    for service, name, data in urine_commands(prison):
        await send(service, name, data)
    # Not in the demo yet (issue 13 §6): a session lost to a lockdown.
    await send("attendance", "RecordSessionNotHeld", {
        "session_id": demo_id("session/not-held", prison), "program_id": program_id(prison),
        "planned_for": "2025-08-20T09:00:00+07:00", "reason": "security_lockdown",
        "note": "Razia blok"})
    for service, name, data in phased(prison):
        await send(service, name, data)
    for name, data in (("AssignKanwil", ASSIGNMENT), ("SetQuota", QUOTA)):  # a region's
        await send("programs", name, data, REGION_ACTOR)
    assert len(await expire_due(executors["agreements"], prison)) == 1
    for service, name, data in CUSTODY:  # issue 13's custody events, until the demo has them
        await send(service, name, data)
    return [LogMessage(r.seq, subject_of(r.envelope), r.envelope["event_id"],
                       orjson.dumps(r.envelope)) for r in store.log]


@pytest.fixture(scope="module")
async def demo():
    return await demo_log(PRISON)


def test_the_registry_covers_every_event_type_of_the_contract():
    assert len(EVENT_AGGREGATES) == 34  # 18; urine 2, intake 7, custody 3, sessions 1,
    # phases 1, prison 2 (issue 13)
    assert {t for t, v in EVENT_SCHEMAS if v == 1} == set(EVENT_AGGREGATES)
    for model in EVENT_SCHEMAS.values():  # the AsyncAPI document is generated from these
        assert model.model_json_schema()["additionalProperties"] is False


def test_every_event_the_services_write_is_valid(demo):
    types = set()
    for message in demo:
        envelope = orjson.loads(message.body)
        assert validate(envelope) == [], (message.seq, envelope["type"])
        types.add(envelope["type"])
    assert types == set(EVENT_AGGREGATES)


def test_the_whole_demo_log_verifies(demo):
    summary = verify(map(entry, demo), Verifier())
    assert summary.events == len(demo) and summary.first_seq == 1
    assert set(summary.types) == set(EVENT_AGGREGATES)
    assert summary.types["SessionHeld"] > 15


def test_every_event_type_has_a_summary_of_its_real_data(demo):
    for message in demo:
        row = history_row(message.seq, orjson.loads(message.body))
        assert SUMMARIES[row["type"]](row["data"]) == row["summary"]
        assert not row["summary"].startswith("{"), row["type"]
