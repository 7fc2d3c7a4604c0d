"""The session aggregate's state and `evolve`: what was planned, what was held, who attended."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

from shared.contract.events import (
    AttendanceCorrected,
    Fact,
    SessionCancelled,
    SessionHeld,
    SessionScheduled,
)

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


def evolve(state: Session | None, fact: Fact) -> Session:
    """Fold one recorded event into the state."""
    event = fact.event
    match event:
        case SessionScheduled():
            return Session(
                session_id=fact.aggregate_id,
                program_id=event.program_id,
                stage="scheduled",
                activity=event.activity,
                topic=event.topic,
                scheduled_for=event.scheduled_for,
            )
        case SessionHeld():
            held = Session(
                session_id=fact.aggregate_id,
                program_id=event.program_id,
                stage="held",
                activity=event.activity,
                topic=event.topic,
                held_at=event.held_at,
                duration_minutes=event.duration_minutes,
                marks=tuple((m["participant_id"], m["status"]) for m in event.attendance),
            )
            return held if state is None else replace(held, scheduled_for=state.scheduled_for)
    if state is None:
        raise ValueError(f"{event.TYPE} before SessionScheduled or SessionHeld")
    match event:
        case AttendanceCorrected():
            pid, status = event.participant_id, event.status
            marks = tuple((p, status if p == pid else s) for p, s in state.marks)
            return replace(state, marks=marks, corrections=state.corrections + 1)
        case SessionCancelled():
            return replace(state, stage="cancelled")
    raise ValueError(f"unknown session event type {event.TYPE}")
