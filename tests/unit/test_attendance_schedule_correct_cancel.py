"""Attendance domain: ScheduleSession, CorrectAttendance, CancelSession."""

from __future__ import annotations

from datetime import UTC, timedelta

from services.attendance.domain import decide
from tests.unit.attendance_domain import (
    ANDI,
    BUDI,
    CAHYO,
    EKO,
    NOW,
    SESSION,
    cancel,
    closed,
    cohort,
    correct,
    held,
    reject,
    schedule,
    step,
)

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
    assert events[0].data == {"participant_id": BUDI, "status": "excused", "reason": "Izin sakit",
                              "compliance": None}
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
