"""Events of the `session` aggregate (one delivery of a program's activity, and attendance).

`SessionHeld` and `AttendanceCorrected` have two versions (issue 13: make-ups and compliance);
the upcasters joining them sit here, beside them.
"""

from __future__ import annotations

from typing import Annotated, NotRequired

from pydantic import ConfigDict, Field, field_validator, with_config
from typing_extensions import TypedDict

from shared.contract.fields import (
    Activity,
    Compliance,
    Instant,
    Name,
    Note,
    NotHeldReason,
    Role,
    Status,
    Text,
    Topic,
    Uuid,
    unique,
)
from shared.contract.registry import Event, events, register
from shared.contract.upcasting import Data, upcaster


@with_config(ConfigDict(extra="forbid"))
class EventFacilitator(TypedDict):
    name: Name
    organization: Name
    role: Role


@with_config(ConfigDict(extra="forbid"))
class EventMark(TypedDict):
    participant_id: Uuid
    status: Status


class SessionScheduled(Event):
    program_id: Uuid
    scheduled_for: Instant
    activity: Activity
    topic: Topic
    facilitators: Annotated[list[EventFacilitator], Field(max_length=20)]


class SessionHeld(Event):
    program_id: Uuid
    held_at: Instant
    duration_minutes: Annotated[int, Field(strict=True, ge=1, le=600)]
    activity: Activity
    topic: Topic
    facilitators: Annotated[list[EventFacilitator], Field(min_length=1, max_length=20)]
    attendance: Annotated[list[EventMark], Field(max_length=2000)]

    @field_validator("attendance")
    @classmethod
    def _once_each(cls, marks: list[EventMark]) -> list[EventMark]:
        unique([m["participant_id"] for m in marks])
        return marks


@with_config(ConfigDict(extra="forbid"))
class EventMarkV2(TypedDict):
    """A mark without `compliance` has none recorded (as null): writers leave the key out when
    null, so a session of the largest program still fits a NATS message."""

    participant_id: Uuid
    status: Status
    compliance: NotRequired[Compliance | None]


class SessionHeldV2(SessionHeld):
    """v2: `makeup_for` (the session this one makes up for, or null) and a `compliance` per
    mark (null when not recorded; only a present or late mark may have one)."""

    makeup_for: Uuid | None
    attendance: Annotated[list[EventMarkV2], Field(max_length=2000)]  # type: ignore[assignment]


class AttendanceCorrected(Event):
    participant_id: Uuid
    status: Status
    reason: Text


class AttendanceCorrectedV2(AttendanceCorrected):
    """v2: the mark's `compliance` after the correction (null: not recorded)."""

    compliance: Compliance | None


class SessionCancelled(Event):
    reason: Text


class SessionNotHeld(Event):
    """A planned session that did not take place, and why: the session accepts no HoldSession
    afterwards (a make-up is a new session whose `makeup_for` names this one)."""

    program_id: Uuid
    planned_for: Instant
    reason: NotHeldReason
    note: Note


events("session", SessionScheduled, SessionHeld, AttendanceCorrected, SessionCancelled,
       SessionNotHeld)
register("session", "SessionHeld", 2, SessionHeldV2)
register("session", "AttendanceCorrected", 2, AttendanceCorrectedV2)


@upcaster("SessionHeld", 1)
def session_held_v1_to_v2(data: Data) -> Data:
    """v1 knew no make-ups nor compliance: null everywhere ("not recorded"), never a guess.
    (Data without an attendance list is left for the reader's own checks to refuse.)"""
    up = {**data, "makeup_for": None}
    if isinstance(data.get("attendance"), list):
        up["attendance"] = [{**mark, "compliance": None} for mark in data["attendance"]]
    return up


@upcaster("AttendanceCorrected", 1)
def attendance_corrected_v1_to_v2(data: Data) -> Data:
    """v1 corrected the status only: the compliance is null ("not recorded")."""
    return {**data, "compliance": None}
