"""The session aggregate's state and `evolve`: what was planned, what was held (or why not),
who attended and how they complied."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

from shared.contract.events import (
    AttendanceCorrected,
    Fact,
    SessionCancelled,
    SessionHeld,
    SessionNotHeld,
    SessionScheduled,
)

Stage = Literal["scheduled", "held", "cancelled", "not_held"]


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
    # participant_id -> compliance (null: not recorded), corrections applied.
    compliance: tuple[tuple[str, str | None], ...] = ()
    makeup_for: str | None = None

    def status_of(self, participant_id: str) -> str | None:
        return dict(self.marks).get(participant_id)

    def compliance_of(self, participant_id: str) -> str | None:
        return dict(self.compliance).get(participant_id)


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
                # Readers meet v2 only (the store upcasts v1: null everywhere).
                compliance=tuple((m["participant_id"], m.get("compliance"))
                                 for m in event.attendance),
                makeup_for=getattr(event, "makeup_for", None),
            )
            return held if state is None else replace(held, scheduled_for=state.scheduled_for)
        case SessionNotHeld():
            return Session(
                session_id=fact.aggregate_id,
                program_id=event.program_id,
                stage="not_held",
                activity=state.activity if state else "",
                topic=state.topic if state else "",
                scheduled_for=state.scheduled_for if state else event.planned_for,
            )
    if state is None:
        raise ValueError(f"{event.TYPE} before SessionScheduled or SessionHeld")
    match event:
        case AttendanceCorrected():
            pid, status = event.participant_id, event.status
            marks = tuple((p, status if p == pid else s) for p, s in state.marks)
            kept = getattr(event, "compliance", None)
            compliance = tuple((p, kept if p == pid else c) for p, c in state.compliance)
            return replace(state, marks=marks, compliance=compliance,
                           corrections=state.corrections + 1)
        case SessionCancelled():
            return replace(state, stage="cancelled")
    raise ValueError(f"unknown session event type {event.TYPE}")
