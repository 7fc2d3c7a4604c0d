"""A log holding SessionHeld v1 and AttendanceCorrected v1 (an old writer's, published raw):
the attendance service decides on it as on v2 (nulls: no make-up, no compliance recorded),
and a rebuild of the read-models from sequence 1 reads it without parking anything."""

import uuid
from datetime import UTC, datetime

import orjson
import pytest

from services.agreements.handlers import TABLE as AGREEMENTS
from services.attendance import domain
from services.attendance.handlers import TABLE as ATTENDANCE
from services.programs.handlers import TABLE as PROGRAMS
from services.reporting.projections import projections
from shared.command_edge import handle
from shared.envelope import STREAM, StreamId
from shared.executor import Context, Executor
from shared.folder import Folder
from shared.jetstream import JetStreamEventStore
from shared.runner import ProjectionRunner
from tests.integration.raw_log import publish_old

pytestmark = [pytest.mark.nats, pytest.mark.pg]

NOW = datetime(2025, 7, 1, 3, 0, tzinfo=UTC)
HELD_AT = "2025-03-10T09:00:00+07:00"


def uid() -> str:
    return str(uuid.uuid4())


async def send(nc, service, table, prison, name, data):
    executor = Executor(Context(JetStreamEventStore(nc), lambda: NOW), table)
    body = orjson.dumps({"command_id": uid(), "actor": "officer:x:rina",
                         "expected_version": None, "data": data})
    reply = await handle(executor, name, f"pulih.commands.{prison}.{service}.{name}", body, None)
    assert reply["ok"], reply
    return reply["events"][-1]["seq"]


@pytest.fixture(scope="module")
async def old_session(nc):
    prison, agreement, program, session = f"lapas-v1-{uuid.uuid4().hex[:8]}", uid(), uid(), uid()
    p1, p2 = uid(), uid()
    await send(nc, "agreements", AGREEMENTS, prison, "SignAgreement", {
                   "agreement_id": agreement, "number": "PKS/1", "title": "Rehabilitasi",
                   "partner": {"id": "yayasan-x", "name": "Yayasan X", "kind": "foundation"},
                   "services": ["counseling"], "signed_on": "2025-01-15",
                   "effective_from": "2025-01-15", "effective_until": "2030-12-31",
                   "signatories": [{"name": "A", "title": "Kalapas", "party": "prison"},
                                   {"name": "B", "title": "Ketua", "party": "partner"}],
                   "renews": None, "committed_sessions_per_month": 4})
    await send(nc, "programs", PROGRAMS, prison, "LaunchProgram", {
        "program_id": program, "agreement_id": agreement, "name": "Rehabilitasi 2025",
        "cohort": "I", "activities": ["counseling"], "starts_on": "2025-03-01",
        "ends_on": "2025-12-31", "capacity": 30})
    for pid in (p1, p2):
        await send(nc, "programs", PROGRAMS, prison, "RegisterParticipant", {
            "participant_id": pid, "case_type": "narcotics_user", "admitted_on": "2025-01-10"})
        await send(nc, "programs", PROGRAMS, prison, "EnrollParticipant", {
            "program_id": program, "participant_id": pid, "enrolled_on": "2025-03-03"})
    stream = StreamId(prison, "session", session)
    await publish_old(nc, stream, "SessionHeld", {
        "program_id": program, "held_at": HELD_AT, "duration_minutes": 90,
        "activity": "counseling", "topic": "Pemicu",
        "facilitators": [{"name": "Siti", "organization": "Yayasan X", "role": "counselor"}],
        "attendance": [{"participant_id": p1, "status": "present"},
                       {"participant_id": p2, "status": "absent"}]}, "2025-03-10")
    await publish_old(nc, stream, "AttendanceCorrected", {
        "participant_id": p2, "status": "late", "reason": "salah catat"}, "2025-03-11")
    return prison, program, session, p1, p2


async def test_a_v1_history_is_decided_on_and_rebuilt_as_v2(nc, pool, old_session):
    prison, program, session, p1, p2 = old_session
    stream = StreamId(prison, "session", session)
    history = await JetStreamEventStore(nc).load(stream)
    assert [r.envelope["schema_version"] for r in history.events] == [2, 2]
    state = Folder(domain.evolve)(history)
    assert (state.marks, state.compliance, state.makeup_for) == (
        ((p1, "present"), (p2, "late")), ((p1, None), (p2, None)), None)
    # A v1 mark (compliance null) takes a compliance by correction, written as v2.
    await send(nc, "attendance", ATTENDANCE, prison, "CorrectAttendance", {
        "session_id": session, "participant_id": p1, "status": "present",
        "compliance": "compliant", "reason": "kepatuhan dicatat"})
    raw = [r.envelope for r in await JetStreamEventStore(nc).read(
        prison, "session", session, raw=True)]
    assert [(e["type"], e["schema_version"]) for e in raw] == [
        ("SessionHeld", 1), ("AttendanceCorrected", 1), ("AttendanceCorrected", 2)]
    assert raw[-1]["data"]["compliance"] == "compliant"

    # A rebuild of every read-model from sequence 1 reads the v1 events (upcast), parks none.
    last = (await nc.jetstream().stream_info(STREAM)).state.last_seq
    schema = f"t_sessions_v1_{uuid.uuid4().hex[:10]}"
    runner = ProjectionRunner(nc, pool, projections(), name="replay", schema=schema)
    await runner.run_until(last)
    async with pool.acquire() as conn:
        row = await conn.fetchrow(f'SELECT * FROM "{schema}".sessions WHERE prison_id = $1 '
                                  "AND session_id = $2", prison, session)
        parked = await conn.fetch(f'SELECT subject FROM "{schema}".parked')
        await conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
    assert [p for p in parked if prison in p["subject"]] == []
    assert (row["status"], row["program_id"], row["makeup_for"]) == ("held", program, None)
    assert orjson.loads(row["marks"]) == {p1: "present", p2: "late"}
    assert orjson.loads(row["compliance"]) == {p1: "compliant"}
