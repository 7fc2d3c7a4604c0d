"""The session aggregate's state and `evolve`: what was planned, what was held, who attended."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Literal

SESSION_EVENT_TYPES = ("SessionScheduled", "SessionHeld", "AttendanceCorrected",
                       "SessionCancelled")
Stage = Literal["scheduled", "held", "cancelled"]


@dataclass(frozen=True)
class Session:
    session_id: str
    program_id: str
    stage: Stage
    activity: str
    topic: str
    scheduled_for: datetime | None = None
    held_at: datetime | None = None
    duration_minutes: int | None = None
    # (participant_id, status) in the order recorded, with every correction applied.
    marks: tuple[tuple[str, str], ...] = ()
    corrections: int = 0

    def status_of(self, participant_id: str) -> str | None:
        return dict(self.marks).get(participant_id)


def evolve(state: Session | None, envelope: dict[str, Any]) -> Session:
    """Fold one recorded event (the contract envelope as a dict) into the state."""
    kind, data = envelope["type"], envelope["data"]
    match kind:
        case "SessionScheduled":
            return Session(
                session_id=envelope["aggregate_id"],
                program_id=data["program_id"],
                stage="scheduled",
                activity=data["activity"],
                topic=data["topic"],
                scheduled_for=datetime.fromisoformat(data["scheduled_for"]),
            )
        case "SessionHeld":
            held = Session(
                session_id=envelope["aggregate_id"],
                program_id=data["program_id"],
                stage="held",
                activity=data["activity"],
                topic=data["topic"],
                held_at=datetime.fromisoformat(data["held_at"]),
                duration_minutes=data["duration_minutes"],
                marks=tuple((m["participant_id"], m["status"]) for m in data["attendance"]),
            )
            return held if state is None else replace(held, scheduled_for=state.scheduled_for)
    if state is None:
        raise ValueError(f"{kind} before SessionScheduled or SessionHeld")
    match kind:
        case "AttendanceCorrected":
            pid, status = data["participant_id"], data["status"]
            marks = tuple((p, status if p == pid else s) for p, s in state.marks)
            return replace(state, marks=marks, corrections=state.corrections + 1)
        case "SessionCancelled":
            return replace(state, stage="cancelled")
    raise ValueError(f"unknown session event type {kind}")
