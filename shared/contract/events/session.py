"""Events of the `session` aggregate (one delivery of a program's activity, and attendance)."""

from __future__ import annotations

from typing import Annotated

from pydantic import ConfigDict, Field, field_validator, with_config
from typing_extensions import TypedDict

from shared.contract.fields import Activity, Instant, Name, Role, Status, Text, Topic, Uuid, unique
from shared.contract.registry import Event, events


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


class AttendanceCorrected(Event):
    participant_id: Uuid
    status: Status
    reason: Text


class SessionCancelled(Event):
    reason: Text


events("session", SessionScheduled, SessionHeld, AttendanceCorrected, SessionCancelled)
