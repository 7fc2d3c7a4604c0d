"""Events of the `program` aggregate (a cohort and its memberships)."""

from __future__ import annotations

from typing import Annotated, get_args

from pydantic import ConfigDict, Field, with_config
from typing_extensions import TypedDict

from shared.contract.fields import (
    Activities,
    Day,
    Name,
    Note,
    Number,
    PhaseName,
    Track,
    Uuid,
    WithdrawalReason,
)
from shared.contract.registry import Event, events, register
from shared.contract.upcasting import Data, upcaster

# A program's planned length and a phase's, in days: at most two years.
PlanDays = Annotated[int, Field(strict=True, ge=1, le=730)]


@with_config(ConfigDict(extra="forbid"))
class EventPhase(TypedDict):
    """One phase of a program's plan (`Event…`: the AsyncAPI namespace is shared)."""

    name: PhaseName
    days: PlanDays


class ProgramLaunched(Event):
    agreement_id: Uuid
    name: Name
    cohort: Number
    activities: Activities
    starts_on: Day
    ends_on: Day
    capacity: Annotated[int, Field(strict=True, ge=1, le=10_000)]


class ProgramLaunchedV2(ProgramLaunched):
    """v2: the program's track, planned length and phase plan (ordered, distinct names); null,
    null and [] when not recorded (a v1 event upcasts to exactly that)."""

    track: Track | None
    planned_days: PlanDays | None
    phases: Annotated[list[EventPhase], Field(max_length=len(get_args(PhaseName)))]


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


class PhaseAdvanced(Event):
    """An active participant moved on to a later phase of the program's plan (the phase is
    individual: a participant starts in the plan's first phase at each enrolment)."""

    participant_id: Uuid
    phase: PhaseName
    advanced_on: Day


events("program", ProgramLaunched, ParticipantEnrolled, ParticipantWithdrawn,
       ParticipantCompleted, ProgramClosed, PhaseAdvanced)
register("program", "ProgramLaunched", 2, ProgramLaunchedV2)


@upcaster("ProgramLaunched", 1)
def program_launched_v1_to_v2(data: Data) -> Data:
    """v1 recorded no track nor plan: null, null and no phases ("not recorded"), never a guess
    (not even from the activities or the term's length)."""
    return {**data, "track": None, "planned_days": None, "phases": []}
