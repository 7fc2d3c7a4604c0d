"""Fixtures and helpers of the domain tests (split by command into test_*.py).

Attendance domain: command validation, the program roster view, every rule of decide, evolve.

The program is a Banyuwangi cohort of social rehabilitation run by IPWL LRPPN-BI from Monday
3 March 2025; sessions are recorded by the prison officer, often days after they were held.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from pydantic import BaseModel

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
from tests.unit import refusals

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
    return refusals.refused(code, fragment, decide, state, command, now, program)


def invalid_fields(name: str, data: Any) -> list[str]:
    return refusals.invalid_fields(COMMANDS, name, data)


def held() -> Session:
    return step(None, hold(), cohort())
