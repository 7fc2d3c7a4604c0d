"""The largest program can hold a session: capacity and the attendance list agree, and the
request, the event and any refusal each fit in one NATS message (1 MB by default)."""

import uuid
from datetime import UTC, datetime

import orjson
import pytest

from services.attendance.handlers import COMMANDS, TABLE
from services.programs.commands import LaunchProgram
from shared.command_edge import handle
from shared.envelope import CommandMeta, NewEvent, StreamId, date_instant, seal
from shared.errors import MAX_DETAILS
from shared.executor import Context, Executor
from shared.fields import MAX_PARTICIPANTS
from shared.memory_store import InMemoryEventStore
from shared.store import Recorded

PRISON = "lapas-banyuwangi"
NATS_MAX_PAYLOAD = 1024 * 1024
TUTOR = {"name": "Mohammad Hiksan", "organization": "IPWL LRPPN-BI Banyuwangi",
         "role": "instructor"}


def _program_log(program_id: str, pids: list[str]) -> list[Recorded]:
    """A launched program of full capacity with everyone enrolled, sealed as the programs
    service would (written straight into the log: 10,000 appends through a store are slow)."""
    stream = StreamId(PRISON, "program", program_id)
    events = [NewEvent("ProgramLaunched", {
        "agreement_id": str(uuid.uuid4()), "name": "Rehabilitasi", "cohort": "2025-I",
        "activities": ["counseling"], "starts_on": "2025-03-03", "ends_on": "2025-12-31",
        "capacity": MAX_PARTICIPANTS}, date_instant("2025-03-03"))]
    events += [NewEvent("ParticipantEnrolled", {"participant_id": p, "enrolled_on": "2025-03-03"},
                        date_instant("2025-03-03")) for p in pids]
    log, prev = [], ""
    for version, new in enumerate(events, start=1):
        command_id = str(uuid.uuid4())
        envelope = seal(stream, new, CommandMeta(command_id, "officer:test:rina", command_id),
                        index=0, version=version, prev_hash=prev,
                        recorded_at="2025-03-03T01:00:00.000000+00:00")
        log.append(Recorded(version, envelope))
        prev = envelope["hash"]
    return log


@pytest.fixture(scope="module")
def full_program():
    program_id, pids = str(uuid.uuid4()), [str(uuid.uuid4()) for _ in range(MAX_PARTICIPANTS)]
    return program_id, pids, _program_log(program_id, pids)


def _request(program_id, marks):
    return orjson.dumps({
        "command_id": str(uuid.uuid4()), "actor": "officer:test:rina", "expected_version": None,
        "data": {"session_id": str(uuid.uuid4()), "program_id": program_id,
                 "held_at": "2025-03-10T09:00:00+07:00", "duration_minutes": 90,
                 "activity": "counseling", "topic": "Mengenali pemicu", "facilitators": [TUTOR],
                 "attendance": [{"participant_id": p, "status": s} for p, s in marks]}})


async def _send(log, body):
    store = InMemoryEventStore()
    store.log = log
    ctx = Context(store, lambda: datetime(2025, 6, 2, tzinfo=UTC))
    return await handle(Executor(ctx, TABLE), "HoldSession",
                        f"pulih.commands.{PRISON}.attendance.HoldSession", body, None)


def test_capacity_and_attendance_list_share_one_limit():
    assert LaunchProgram.model_fields["capacity"].metadata[-1].le == MAX_PARTICIPANTS
    attendance = COMMANDS["HoldSession"].model_fields["attendance"]
    assert attendance.metadata[0].max_length == MAX_PARTICIPANTS


async def test_a_full_program_holds_a_session_within_the_nats_payload(full_program):
    program_id, pids, program_log = full_program
    log = list(program_log)
    # The longest status everywhere: the largest request and event there can be.
    body = _request(program_id, [(p, "excused") for p in pids])
    reply = await _send(log, body)
    assert reply["ok"], reply["error"]["message"] if not reply["ok"] else ""
    event = log[-1]
    assert event.type == "SessionHeld" and len(event.envelope["data"]["attendance"]) == 10_000
    sizes = {"request": len(body), "event": len(orjson.dumps(event.envelope))}
    print(f"\nHoldSession of {MAX_PARTICIPANTS} marks, bytes: {sizes}")
    assert max(sizes.values()) < NATS_MAX_PAYLOAD * 0.75, sizes


async def test_one_mark_more_than_the_largest_program_is_invalid(full_program):
    program_id, pids, program_log = full_program
    log = list(program_log)
    reply = await _send(log, _request(program_id, [(p, "present") for p in pids]
                                      + [(str(uuid.uuid4()), "present")]))
    assert reply["error"]["code"] == "invalid"
    assert {d["field"] for d in reply["error"]["details"]} == {"data.attendance"}
    assert len(log) == len(program_log)


async def test_a_refusal_naming_thousands_of_participants_fits_in_a_reply(full_program):
    program_id, _, program_log = full_program
    log = list(program_log)
    strangers = [(str(uuid.uuid4()), "present") for _ in range(MAX_PARTICIPANTS)]
    reply = await _send(log, _request(program_id, strangers))
    error = reply["error"]
    assert error["code"] == "rule" and "10000 not active" in error["message"]
    assert len(error["details"]) == MAX_DETAILS + 1
    assert error["details"][-1] == {"field": "details", "message": "19900 more not shown"}
    assert len(orjson.dumps(reply)) < 64 * 1024
    assert len(log) == len(program_log)
