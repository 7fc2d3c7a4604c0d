"""Attendance domain: command validation, the program roster view, every rule of decide, evolve.

The program is a Banyuwangi cohort of social rehabilitation run by IPWL LRPPN-BI from Monday
3 March 2025; sessions are recorded by the prison officer, often days after they were held.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from services.attendance.commands import (
    CancelSession,
    CorrectAttendance,
    HoldSession,
    ScheduleSession,
)
from services.attendance.domain import Roster, Session, decide, evolve, evolve_roster
from services.attendance.handlers import COMMANDS
from shared.contract.events import decode
from shared.envelope import WIB, date_instant
from shared.errors import Rejected

PROGRAM = "5b0e7c1a-2d4f-4e8a-9c3b-1f6a7d2e8b40"
SESSION = "a7c3e9f1-4b2d-4a6e-8f0c-3d5b7a9e1c24"
ANDI, BUDI, CAHYO, DEDI, EKO = (
    "0b1c2d3e-0000-4000-8000-00000000000a", "0b1c2d3e-0000-4000-8000-00000000000b",
    "0b1c2d3e-0000-4000-8000-00000000000c", "0b1c2d3e-0000-4000-8000-00000000000d",
    "0b1c2d3e-0000-4000-8000-00000000000e",
)
NOW = datetime(2025, 6, 2, 10, 0, tzinfo=WIB)
TUTOR = {"name": "Mohammad Hiksan", "organization": "IPWL LRPPN-BI Banyuwangi",
         "role": "instructor"}


def at(day: str, clock: str = "09:00") -> datetime:
    return datetime.fromisoformat(f"{day}T{clock}:00+07:00")


def program_event(kind: str, data: dict[str, Any], occurred_at: str) -> dict[str, Any]:
    return {"type": kind, "schema_version": 1, "aggregate_id": PROGRAM, "data": data,
            "occurred_at": occurred_at}


def launched() -> dict[str, Any]:
    return program_event("ProgramLaunched", {
        "agreement_id": "3f0c9a52-7d41-4e0b-9a63-5b2d8e1c4f70", "name": "Rehabilitasi sosial",
        "cohort": "2025-I", "activities": ["counseling", "skills_training"],
        "starts_on": "2025-03-03", "ends_on": "2025-08-29", "capacity": 20,
    }, date_instant("2025-03-03"))


def enrolled(pid: str, day: str, occurred_at: str | None = None) -> dict[str, Any]:
    return program_event("ParticipantEnrolled", {"participant_id": pid, "enrolled_on": day},
                         occurred_at or date_instant(day))


def withdrawn(pid: str, day: str, occurred_at: str | None = None) -> dict[str, Any]:
    return program_event("ParticipantWithdrawn", {
        "participant_id": pid, "withdrawn_on": day, "reason": "transferred", "note": None,
    }, occurred_at or date_instant(day))


def completed(pid: str, day: str, occurred_at: str | None = None) -> dict[str, Any]:
    return program_event("ParticipantCompleted", {"participant_id": pid, "completed_on": day},
                         occurred_at or date_instant(day))


def closed(day: str) -> dict[str, Any]:
    return program_event("ProgramClosed", {"closed_on": day}, date_instant(day))


def roster(*events: dict[str, Any]) -> Roster:
    state = None
    for event in (launched(), *events):
        state = evolve_roster(state, decode(event))
    return state


def cohort(*more: dict[str, Any]) -> Roster:
    """Andi, Budi and Cahyo enrolled on the first day."""
    return roster(enrolled(ANDI, "2025-03-03"), enrolled(BUDI, "2025-03-03"),
                  enrolled(CAHYO, "2025-03-03"), *more)


def marks(*pids: str, status: str = "present") -> list[dict[str, str]]:
    return [{"participant_id": pid, "status": status} for pid in pids]


def hold_data(**changes: Any) -> dict[str, Any]:
    data = {"session_id": SESSION, "program_id": PROGRAM, "held_at": "2025-03-10T09:00:00+07:00",
            "duration_minutes": 120, "activity": "counseling", "topic": "Mengenali pemicu",
            "facilitators": [TUTOR], "attendance": marks(ANDI, BUDI, CAHYO)}
    return {**data, **changes}


def hold(**changes: Any) -> HoldSession:
    return HoldSession.model_validate(hold_data(**changes))


def schedule(**changes: Any) -> ScheduleSession:
    data = {"session_id": SESSION, "program_id": PROGRAM,
            "scheduled_for": "2025-06-09T09:00:00+07:00", "activity": "skills_training",
            "topic": "Membatik", "facilitators": [TUTOR]}
    return ScheduleSession.model_validate({**data, **changes})


def correct(pid: str = BUDI, status: str = "excused", **changes: Any) -> CorrectAttendance:
    return CorrectAttendance.model_validate({"session_id": SESSION, "participant_id": pid,
                                             "status": status, "reason": "Izin sakit",
                                             **changes})


def cancel(**changes: Any) -> CancelSession:
    return CancelSession.model_validate({"session_id": SESSION, "reason": "Instruktur sakit",
                                         **changes})


def step(state: Session | None, command: BaseModel, program: Roster | None = None,
         now: datetime = NOW) -> Session:
    """decide, check the one event is JSON-ready, then evolve it: the round trip."""
    events = decide(state, command, now, program)
    assert len(events) == 1
    assert json.loads(json.dumps(events[0].data)) == events[0].data
    return evolve(state, decode({"type": events[0].type, "aggregate_id": SESSION,
                                 "data": events[0].data, "occurred_at": events[0].occurred_at}))


def reject(code: str, fragment: str, state: Session | None, command: BaseModel,
           program: Roster | None = None, now: datetime = NOW) -> Rejected:
    with pytest.raises(Rejected) as caught:
        decide(state, command, now, program)
    assert caught.value.code == code
    assert fragment in caught.value.message
    return caught.value


def invalid_fields(name: str, data: Any) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        COMMANDS[name].model_validate(data)
    return [".".join(map(str, e["loc"])) for e in caught.value.errors()]


def held() -> Session:
    return step(None, hold(), cohort())


# --- command validation -------------------------------------------------------------------

def test_public_commands() -> None:
    assert set(COMMANDS) == {"ScheduleSession", "HoldSession", "CorrectAttendance",
                             "CancelSession"}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"held_at": "2025-03-10T09:00:00"}, "held_at"),
        ({"held_at": "2025-03-10"}, "held_at"),
        ({"held_at": 1741572000}, "held_at"),
        ({"occurred_at": "2025-03-10T09:00:00"}, "occurred_at"),
        ({"duration_minutes": 0}, "duration_minutes"),
        ({"duration_minutes": 601}, "duration_minutes"),
        ({"duration_minutes": "90"}, "duration_minutes"),
        ({"duration_minutes": True}, "duration_minutes"),
        ({"facilitators": []}, "facilitators"),
        ({"facilitators": [{**TUTOR, "role": "volunteer"}]}, "facilitators.0.role"),
        ({"facilitators": [{**TUTOR, "phone": "0812"}]}, "facilitators.0.phone"),
        ({"facilitators": [{**TUTOR, "organization": " "}]}, "facilitators.0.organization"),
        ({"attendance": [{"participant_id": ANDI, "status": "present", "name": "Andi"}]},
         "attendance.0.name"),
        ({"attendance": [{"participant_id": ANDI.upper(), "status": "present"}]},
         "attendance.0.participant_id"),
        ({"attendance": [{"participant_id": "A-123", "status": "present"}]},
         "attendance.0.participant_id"),
        ({"attendance": [{"participant_id": ANDI, "status": "sick"}]}, "attendance.0.status"),
        ({"activity": "yoga"}, "activity"),
        ({"topic": "  "}, "topic"),
        ({"session_id": "not-a-uuid"}, "session_id"),
        ({"participant_names": ["Andi"]}, "participant_names"),
    ],
)
def test_hold_field_errors_name_the_field(changes: dict, field: str) -> None:
    assert field in invalid_fields("HoldSession", hold_data(**changes))


def test_hold_is_parsed_with_its_offset() -> None:
    command = hold(held_at="2025-03-10T02:00:00Z")
    assert command.held_at == at("2025-03-10")
    with pytest.raises(ValidationError):
        command.topic = "other"  # frozen


def test_other_commands_validate_their_fields() -> None:
    base = {"session_id": SESSION, "program_id": PROGRAM, "activity": "counseling", "topic": "T"}
    assert "scheduled_for" in invalid_fields(
        "ScheduleSession", {**base, "scheduled_for": "2025-06-09T09:00:00"})
    assert schedule(facilitators=[]).facilitators == []
    assert "reason" in invalid_fields("CorrectAttendance", {
        "session_id": SESSION, "participant_id": ANDI, "status": "late", "reason": " "})
    assert "status" in invalid_fields("CorrectAttendance", {
        "session_id": SESSION, "participant_id": ANDI, "status": "gone", "reason": "r"})
    assert "reason" in invalid_fields("CancelSession", {"session_id": SESSION})
    assert "nik" in invalid_fields("CancelSession", {"session_id": SESSION, "reason": "r",
                                                     "nik": "3510012345670001"})


# --- the program roster ---------------------------------------------------------------------

def test_roster_reads_the_program() -> None:
    program = cohort()
    assert program.program_id == PROGRAM
    assert program.activities == ("counseling", "skills_training")
    assert program.starts_at == at("2025-03-03", "00:00")
    assert program.active_at(at("2025-03-03")) == {ANDI, BUDI, CAHYO}
    assert program.active_at(at("2025-03-02", "23:59")) == frozenset()


def test_same_day_boundaries_with_default_instants() -> None:
    program = cohort(enrolled(DEDI, "2025-03-10"), withdrawn(BUDI, "2025-03-10"),
                     completed(CAHYO, "2025-03-10"))
    # Enrolled on the 10th: attends the 10th. Withdrawn or completed on the 10th: does not.
    assert program.active_at(at("2025-03-10", "00:00")) == {ANDI, DEDI}
    assert program.active_at(at("2025-03-09", "23:59")) == {ANDI, BUDI, CAHYO}


def test_a_precise_completion_instant_keeps_the_afternoon_session() -> None:
    program = cohort(completed(CAHYO, "2025-08-29", "2025-08-29T17:00:00+07:00"))
    assert CAHYO in program.active_at(at("2025-08-29", "14:00"))
    assert CAHYO not in program.active_at(at("2025-08-29", "17:00"))


def test_re_enrolment_opens_a_new_span() -> None:
    program = cohort(withdrawn(BUDI, "2025-04-01"), enrolled(BUDI, "2025-05-01"))
    assert [BUDI in program.active_at(at(day)) for day in
            ("2025-03-31", "2025-04-01", "2025-04-30", "2025-05-01")] == [True, False, False, True]
    assert len(program.spans_of(BUDI)) == 2


def test_why_not_active() -> None:
    program = cohort(withdrawn(BUDI, "2025-04-01"), enrolled(DEDI, "2025-05-01"))
    t = at("2025-04-10")
    assert program.why_not_active(EKO, t) == "never enrolled in this program"
    assert "withdrawn or completed before" in program.why_not_active(BUDI, t)
    assert "only after held_at" in program.why_not_active(DEDI, t)


def test_roster_tolerates_redundant_and_unknown_events() -> None:
    program = cohort(enrolled(ANDI, "2025-03-05"), withdrawn(EKO, "2025-03-05"),
                     program_event("ProgramRenamed", {"name": "x"}, date_instant("2025-03-05")))
    assert program.spans_of(ANDI)[0].enrolled_at == at("2025-03-03", "00:00")
    assert program.spans_of(EKO) == ()
    assert program.closed_at is None
    assert cohort(closed("2025-08-30")).closed_at == at("2025-08-30", "00:00")


def test_roster_refuses_what_it_cannot_read() -> None:
    with pytest.raises(ValueError, match="before ProgramLaunched"):
        evolve_roster(None, decode(enrolled(ANDI, "2025-03-03")))
    with pytest.raises(ValueError, match="schema_version"):
        evolve_roster(roster(), decode({**enrolled(ANDI, "2025-03-03"), "schema_version": 2}))


# --- HoldSession ------------------------------------------------------------------------------

def test_hold_records_the_session() -> None:
    events = decide(None, hold(), NOW, cohort())
    assert [e.type for e in events] == ["SessionHeld"]
    assert events[0].occurred_at == "2025-03-10T09:00:00+07:00"
    assert set(events[0].data) == {"program_id", "held_at", "duration_minutes", "activity",
                                   "topic", "facilitators", "attendance"}
    assert events[0].data["attendance"][0] == {"participant_id": ANDI, "status": "present"}
    state = evolve(None, decode({"type": "SessionHeld", "aggregate_id": SESSION,
                                 "data": events[0].data, "occurred_at": events[0].occurred_at}))
    assert state.stage == "held" and state.held_at == at("2025-03-10")
    assert state.status_of(BUDI) == "present" and state.duration_minutes == 120


def test_a_back_dated_session_is_checked_against_the_roster_of_its_time() -> None:
    # Recorded on 2 June: Budi withdrew on 1 April and Dedi joined on 1 May.
    program = cohort(withdrawn(BUDI, "2025-04-01"), enrolled(DEDI, "2025-05-01"))
    march = hold(held_at="2025-03-24T09:00:00+07:00", attendance=marks(ANDI, BUDI, CAHYO))
    assert step(None, march, program).status_of(BUDI) == "present"
    may = hold(held_at="2025-05-12T09:00:00+07:00", attendance=marks(ANDI, CAHYO, DEDI))
    assert step(None, may, program).status_of(DEDI) == "present"
    error = reject("rule", "exactly the participants", None,
                   hold(held_at="2025-05-12T09:00:00+07:00"), program)
    assert {d.message for d in error.details} == {
        f"{BUDI} had withdrawn or completed before held_at",
        f"{DEDI} was active in the program at held_at but is not listed",
    }


def test_a_duplicate_is_named() -> None:
    error = reject("rule", "1 listed twice", None,
                   hold(attendance=marks(ANDI, BUDI, CAHYO, BUDI)), cohort())
    assert [(d.field, d.message) for d in error.details] == [
        ("attendance.3.participant_id", f"{BUDI} is listed more than once")]


def test_a_duplicate_with_two_statuses_is_still_a_duplicate() -> None:
    attendance = [*marks(ANDI, BUDI, CAHYO), {"participant_id": ANDI, "status": "absent"}]
    reject("rule", "1 listed twice", None, hold(attendance=attendance), cohort())


def test_strangers_are_named_with_the_reason() -> None:
    program = cohort(withdrawn(CAHYO, "2025-03-05"), enrolled(DEDI, "2025-03-20"))
    error = reject("rule", "3 not active", None,
                   hold(attendance=marks(ANDI, BUDI, CAHYO, DEDI, EKO)), program)
    assert [d.message for d in error.details] == [
        f"{CAHYO} had withdrawn or completed before held_at",
        f"{DEDI} enrolled in this program only after held_at",
        f"{EKO} never enrolled in this program",
    ]
    assert [d.field for d in error.details] == [f"attendance.{i}.participant_id"
                                                for i in (2, 3, 4)]


def test_missing_participants_are_named() -> None:
    error = reject("rule", "2 missing", None, hold(attendance=marks(BUDI)), cohort())
    assert [d.message for d in error.details] == [
        f"{pid} was active in the program at held_at but is not listed" for pid in (ANDI, CAHYO)]


def test_every_problem_is_reported_at_once() -> None:
    error = reject("rule", "1 listed twice, 1 not active at held_at, 1 missing", None,
                   hold(attendance=marks(ANDI, ANDI, EKO, BUDI)), cohort())
    assert len(error.details) == 3


def test_every_status_counts_as_listed() -> None:
    attendance = [{"participant_id": ANDI, "status": "late"},
                  {"participant_id": BUDI, "status": "absent"},
                  {"participant_id": CAHYO, "status": "excused"}]
    assert step(None, hold(attendance=attendance), cohort()).marks == (
        (ANDI, "late"), (BUDI, "absent"), (CAHYO, "excused"))


def test_same_day_enrolment_and_withdrawal_at_the_session() -> None:
    program = cohort(enrolled(DEDI, "2025-03-10"), withdrawn(BUDI, "2025-03-10"))
    step(None, hold(attendance=marks(ANDI, CAHYO, DEDI)), program)
    reject("rule", "exactly", None, hold(attendance=marks(ANDI, BUDI, CAHYO, DEDI)), program)


def test_withdrawal_later_the_same_day_keeps_the_morning_session() -> None:
    program = cohort(withdrawn(BUDI, "2025-03-10", "2025-03-10T15:00:00+07:00"))
    step(None, hold(), program)  # 09:00: Budi is still in


def test_re_enrolled_participant_across_spans() -> None:
    program = cohort(withdrawn(BUDI, "2025-04-01"), enrolled(BUDI, "2025-05-01"))
    reject("rule", "not active", None, hold(held_at="2025-04-14T09:00:00+07:00"), program)
    step(None, hold(held_at="2025-04-14T09:00:00+07:00", attendance=marks(ANDI, CAHYO)), program)
    step(None, hold(held_at="2025-05-05T09:00:00+07:00"), program)


def test_nobody_active_is_refused() -> None:
    reject("rule", "nobody was active", None, hold(attendance=[]), roster())
    program = cohort(withdrawn(ANDI, "2025-03-05"), withdrawn(BUDI, "2025-03-05"),
                     withdrawn(CAHYO, "2025-03-05"))
    reject("rule", "nobody was active", None, hold(attendance=[]), program)


def test_hold_needs_the_program_and_its_activity() -> None:
    reject("rule", f"program {PROGRAM} not found", None, hold(), None)
    error = reject("rule", "not one of the program's activities", None,
                   hold(activity="medical"), cohort())
    assert error.details[0].field == "activity"


def test_held_at_in_time() -> None:
    reject("rule", "in the future", None, hold(held_at="2025-06-02T10:01:00+07:00"), cohort())
    step(None, hold(held_at="2025-06-02T03:00:00Z"), cohort())  # exactly now is fine
    reject("rule", "before the program's starts_on 2025-03-03", None,
           hold(held_at="2025-03-02T23:59:00+07:00", attendance=[]), cohort())


def test_no_session_at_or_after_the_close() -> None:
    program = cohort(closed("2025-05-31"))
    step(None, hold(held_at="2025-05-30T09:00:00+07:00"), program)
    reject("rule", "closed by held_at", None, hold(held_at="2025-05-31T00:00:00+07:00"), program)


def test_occurred_at_of_a_held_session_is_held_at() -> None:
    reject("rule", "leave occurred_at out", None,
           hold(occurred_at="2025-03-12T09:00:00+07:00"), cohort())
    events = decide(None, hold(occurred_at="2025-03-10T02:00:00Z"), NOW, cohort())
    assert events[0].occurred_at == "2025-03-10T09:00:00+07:00"


def test_scheduled_then_held() -> None:
    planned = step(None, schedule(scheduled_for="2025-03-10T09:00:00+07:00",
                                  activity="counseling"), cohort())
    state = step(planned, hold(), cohort())
    assert state.stage == "held" and state.scheduled_for == at("2025-03-10")
    other = "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b"
    reject("rule", f"scheduled for program {PROGRAM}", planned, hold(program_id=other), cohort())


def test_held_twice_or_after_cancelling_is_refused() -> None:
    reject("rule", "already held", held(), hold(), cohort())
    cancelled = step(step(None, schedule(), cohort()), cancel())
    reject("rule", "was cancelled", cancelled, hold(), cohort())


# --- ScheduleSession --------------------------------------------------------------------------

def test_schedule() -> None:
    events = decide(None, schedule(), NOW, cohort())
    assert events[0].type == "SessionScheduled"
    assert events[0].occurred_at == "2025-06-09T09:00:00+07:00"
    assert set(events[0].data) == {"program_id", "scheduled_for", "activity", "topic",
                                   "facilitators"}
    explicit = decide(None, schedule(occurred_at="2025-06-02T08:00:00+07:00"), NOW, cohort())
    assert explicit[0].occurred_at == "2025-06-02T08:00:00+07:00"
    state = step(None, schedule(), cohort())
    assert state.stage == "scheduled" and state.held_at is None and state.marks == ()


def test_schedule_rules() -> None:
    reject("rule", "already exists", step(None, schedule(), cohort()), schedule(), cohort())
    reject("rule", "already exists", held(), schedule(), cohort())
    reject("rule", "not found in this prison", None, schedule(), None)
    reject("rule", "program is closed", None, schedule(), cohort(closed("2025-08-30")))
    reject("rule", "not one of the program's activities", None, schedule(activity="medical"),
           cohort())
    reject("rule", "before the program's starts_on", None,
           schedule(scheduled_for="2025-03-01T09:00:00+07:00"), cohort())


# --- CorrectAttendance ------------------------------------------------------------------------

def test_correction_changes_the_mark_and_keeps_the_rest() -> None:
    state = step(held(), correct(BUDI, "excused"))
    assert state.marks == ((ANDI, "present"), (BUDI, "excused"), (CAHYO, "present"))
    state = step(state, correct(BUDI, "late"))
    assert state.status_of(BUDI) == "late" and state.corrections == 2
    events = decide(held(), correct(), NOW)
    assert events[0].data == {"participant_id": BUDI, "status": "excused", "reason": "Izin sakit"}
    assert events[0].occurred_at == NOW.isoformat()


def test_correction_rules() -> None:
    reject("not_found", f"session {SESSION} not found", None, correct())
    reject("rule", "has not been held", step(None, schedule(), cohort()), correct())
    cancelled = step(step(None, schedule(), cohort()), cancel())
    reject("rule", "was cancelled", cancelled, correct())
    error = reject("rule", f"{EKO} is not in this session", held(), correct(EKO))
    assert error.details[0].field == "participant_id"
    reject("rule", "already marked present", held(), correct(BUDI, "present"))


def test_correction_occurred_at() -> None:
    assert decide(held(), correct(occurred_at="2025-03-11T08:00:00+07:00"), NOW)[0].occurred_at \
        == "2025-03-11T08:00:00+07:00"
    reject("rule", "in the future", held(), correct(occurred_at="2025-06-03T08:00:00+07:00"))
    reject("rule", "before the session was held", held(),
           correct(occurred_at="2025-03-10T08:00:00+07:00"))


# --- CancelSession ----------------------------------------------------------------------------

def test_cancel() -> None:
    state = step(step(None, schedule(), cohort()), cancel())
    assert state.stage == "cancelled"
    events = decide(step(None, schedule(), cohort()), cancel(), NOW)
    assert events[0].data == {"reason": "Instruktur sakit"}
    assert events[0].occurred_at == NOW.isoformat()


def test_cancel_rules() -> None:
    reject("not_found", "not found", None, cancel())
    reject("rule", "a held session cannot be cancelled", held(), cancel())
    cancelled = step(step(None, schedule(), cohort()), cancel())
    reject("rule", "already cancelled", cancelled, cancel())
    reject("rule", "in the future", step(None, schedule(), cohort()),
           cancel(occurred_at=(NOW + timedelta(minutes=1)).astimezone(UTC).isoformat()))


# --- evolve -----------------------------------------------------------------------------------

def test_evolve_refuses_what_it_cannot_read() -> None:
    with pytest.raises(ValueError, match="before SessionScheduled"):
        evolve(None, decode({"type": "SessionCancelled", "aggregate_id": SESSION,
                             "data": {"reason": "x"}, "occurred_at": NOW.isoformat()}))
    with pytest.raises(ValueError, match="unknown session event"):
        evolve(held(), decode({"type": "SessionMoved", "aggregate_id": SESSION, "data": {},
                               "occurred_at": NOW.isoformat()}))
