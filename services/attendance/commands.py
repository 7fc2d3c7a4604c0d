"""The `data` of the attendance service's commands: field validation at the edge.

Each field is checked on its own here (shape, enum, length, format) and a failure is `invalid`.
Relations with the program's roster, the session's state or the clock are business rules and
live in the domain's `decide`, where a failure is `rule`. Every model forbids unknown keys, so
personal data a client tries to slip in (a participant's name, a NIK) is refused, never stored.
"""

from __future__ import annotations

from typing import Annotated, get_args

from pydantic import Field

from shared.contract.fields import Role, Status
from shared.fields import MAX_PARTICIPANTS, SERVICES, Instant, Model, Name, Service, Uuid, text

Activity = Service
ACTIVITIES: tuple[str, ...] = SERVICES
STATUSES: tuple[str, ...] = get_args(Status)
Topic = text(500)
Reason = text(2000)
Minutes = Annotated[int, Field(ge=1, le=600, strict=True)]


class Facilitator(Model):
    """A partner's instructor or resource person, a counsellor or an officer: staff, named."""

    name: Name
    organization: Name
    role: Role


class Mark(Model):
    """One participant's attendance, by pseudonym only."""

    participant_id: Uuid
    status: Status


class _Command(Model):
    session_id: Uuid
    occurred_at: Instant | None = None


class ScheduleSession(_Command):
    """Plan a session of a program; writes `SessionScheduled`. Facilitators may
    still be unknown (an empty list).

    Rules: a session id is scheduled once, and not one another prison already uses; the program
    exists in this prison, is not closed and offers `activity`; `scheduled_for` is not before
    the program's `starts_on`.
    """

    program_id: Uuid
    scheduled_for: Instant
    activity: Activity
    topic: Topic
    facilitators: Annotated[list[Facilitator], Field(max_length=20)] = []


class HoldSession(_Command):
    """Record a session as delivered, with one mark per participant active at
    `held_at`; writes `SessionHeld`. A session may be held without being scheduled first.

    Rules: the session id is not one another prison already uses; the session is not already
    held nor cancelled, and if scheduled it is for the same program; the program exists in this
    prison, offers `activity`, had started and was not closed by `held_at`; `held_at` is not in
    the future (a given `occurred_at` equals it); the attendance lists every participant active
    in the program at `held_at` exactly once and nobody else (the reply names each participant
    at fault).
    """

    program_id: Uuid
    held_at: Instant
    duration_minutes: Minutes
    activity: Activity
    topic: Topic
    facilitators: Annotated[list[Facilitator], Field(min_length=1, max_length=20)]
    # Duplicates are a business rule (the reply names the participant), so a list, not a set.
    # As long as the largest program: every participant active at held_at is listed.
    attendance: Annotated[list[Mark], Field(max_length=MAX_PARTICIPANTS)]


class CorrectAttendance(_Command):
    """Change one participant's mark in a held session, with a reason; writes
    `AttendanceCorrected` (the original mark stays in the history).

    Rules: the session exists (`not_found`), was held and not cancelled; the participant is in
    its attendance list with another status; the correction (`occurred_at`, default now) is not
    before the session was held and not in the future.
    """

    participant_id: Uuid
    status: Status
    reason: Reason


class CancelSession(_Command):
    """Call off a session that has not been held; writes `SessionCancelled`.

    Rules: the session exists (`not_found`), is neither held nor already cancelled;
    `occurred_at` (default now) is not in the future.
    """

    reason: Reason
