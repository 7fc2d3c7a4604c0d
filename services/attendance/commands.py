"""The `data` of the attendance service's commands: field validation at the edge.

Each field is checked on its own here (shape, enum, length, format) and a failure is `invalid`.
Relations with the program's roster, the session's state or the clock are business rules and
live in the domain's `decide`, where a failure is `rule`. Every model forbids unknown keys, so
personal data a client tries to slip in (a participant's name, a NIK) is refused, never stored.
"""

from __future__ import annotations

from typing import Annotated, get_args

from pydantic import Field

from shared.contract.fields import Compliance, NotHeldReason, Role, Status
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
    """One participant's attendance, by pseudonym only, and (optionally) how they complied
    with the session's expectations: only a present or late mark may carry one."""

    participant_id: Uuid
    status: Status
    compliance: Compliance | None = None


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
    held, cancelled nor recorded not held, and if scheduled it is for the same program; the
    program exists in this prison, offers `activity`, had started and was not closed by
    `held_at`; `held_at` is not in the future (a given `occurred_at` equals it); the attendance
    lists every participant active in the program at `held_at` exactly once and nobody else
    (the reply names each participant at fault); a `compliance` only on a present or late mark.

    Make-up: `makeup_for` names the session this one replaces: another session of the same
    program in this prison that was recorded not held (`RecordSessionNotHeld`) or cancelled,
    and that no held session already made up (checked on the log at command time, not
    atomically: two make-ups of one session recorded at the same instant both succeed).
    Writes `SessionHeld` schema_version 2.
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
    makeup_for: Uuid | None = None


class CorrectAttendance(_Command):
    """Change one participant's mark in a held session, with a reason; writes
    `AttendanceCorrected` schema_version 2 (the original mark stays in the history).

    The mark becomes `status` with `compliance` (null when left out: not recorded).
    Rules: the session exists (`not_found`), was held (not cancelled, not recorded not held);
    the participant is in its attendance list with another status or another compliance; a
    compliance only with present or late; the correction (`occurred_at`, default now) is not
    before the session was held and not in the future.
    """

    participant_id: Uuid
    status: Status
    reason: Reason
    compliance: Compliance | None = None


class CancelSession(_Command):
    """Call off a session that has not been held; writes `SessionCancelled`.

    Rules: the session exists (`not_found`), is neither held, already cancelled nor recorded
    not held; `occurred_at` (default now) is not in the future.
    """

    reason: Reason


class RecordSessionNotHeld(_Command):
    """Record that a planned session did not take place, and why; writes `SessionNotHeld`.
    The session then accepts no HoldSession, CorrectAttendance nor CancelSession: a make-up is
    a new session held with `makeup_for` naming this one.

    Rules: on a scheduled session (neither held, cancelled nor already not held) of the same
    `program_id`, or on a new session id (the id not one another prison already uses; the
    program exists in this prison); `planned_for` is not in the future (a session called off
    in advance is cancelled); a given `occurred_at` equals `planned_for`.
    """

    program_id: Uuid
    planned_for: Instant
    reason: NotHeldReason
    note: Reason | None = None
