"""Attendance domain: command validation, evolve."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from services.attendance.domain import evolve
from services.attendance.handlers import COMMANDS
from shared.contract.events import decode
from tests.unit.attendance_domain import (
    ANDI,
    NOW,
    PROGRAM,
    SESSION,
    TUTOR,
    at,
    held,
    hold,
    hold_data,
    invalid_fields,
    schedule,
)

# --- command validation -------------------------------------------------------------------

def test_public_commands() -> None:
    assert set(COMMANDS) == {"ScheduleSession", "HoldSession", "CorrectAttendance",
                             "CancelSession", "RecordSessionNotHeld"}


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



# --- evolve -----------------------------------------------------------------------------------

def test_evolve_refuses_what_it_cannot_read() -> None:
    with pytest.raises(ValueError, match="before SessionScheduled"):
        evolve(None, decode({"type": "SessionCancelled", "aggregate_id": SESSION,
                             "data": {"reason": "x"}, "occurred_at": NOW.isoformat()}))
    with pytest.raises(ValueError, match="unknown session event"):
        evolve(held(), decode({"type": "SessionMoved", "aggregate_id": SESSION, "data": {},
                               "occurred_at": NOW.isoformat()}))
