"""Events of the `program` aggregate (a cohort and its memberships)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from shared.contract.fields import Activities, Day, Name, Note, Number, Uuid, WithdrawalReason
from shared.contract.registry import Event, events


class ProgramLaunched(Event):
    agreement_id: Uuid
    name: Name
    cohort: Number
    activities: Activities
    starts_on: Day
    ends_on: Day
    capacity: Annotated[int, Field(strict=True, ge=1, le=10_000)]


class ParticipantEnrolled(Event):
    participant_id: Uuid
    enrolled_on: Day


class ParticipantWithdrawn(Event):
    participant_id: Uuid
    withdrawn_on: Day
    reason: WithdrawalReason
    note: Note


class ParticipantCompleted(Event):
    participant_id: Uuid
    completed_on: Day


class ProgramClosed(Event):
    closed_on: Day


events("program", ProgramLaunched, ParticipantEnrolled, ParticipantWithdrawn,
       ParticipantCompleted, ProgramClosed)
