"""Events of the intake pipeline (issue 13, docs/pathway.md §1) on the `participant` aggregate:
screening → (moderate/high risk) referral → assessment concluded → placement decided |
waitlisted | refused | found ineligible. One intake per stay; no personal data (the assessment
team is recorded by role only, never by name)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from shared.contract.fields import (
    Day,
    IneligibilityReason,
    Note,
    Number,
    RiskBand,
    Setting,
    TeamRole,
    Text,
    Track,
    Uuid,
)
from shared.contract.registry import Event, StoredModel, events

ScreeningInstrument = Literal["ASSIST", "other"]
AssessmentInstrument = Literal["ASI", "other"]
MAX_TEAM = 20


class TeamMember(StoredModel):
    role: TeamRole


class ScreeningRecorded(Event):
    screened_on: Day
    instrument: ScreeningInstrument
    score: Annotated[float, Field(strict=True, allow_inf_nan=False)]
    risk: RiskBand


class ReferredForAssessment(Event):
    referred_on: Day
    team: Annotated[list[TeamMember], Field(min_length=1, max_length=MAX_TEAM)]


class AssessmentConcluded(Event):
    concluded_on: Day
    instrument: AssessmentInstrument
    recommended_track: Track
    recommended_setting: Setting
    note: Note


class PlacementDecided(Event):
    decided_on: Day
    decree_number: Number
    track: Track
    setting: Setting
    program_id: Uuid | None


class ParticipantWaitlisted(Event):
    waitlisted_on: Day
    track: Track


class PlacementRefused(Event):
    refused_on: Day
    reason: Text


class ParticipantFoundIneligible(Event):
    decided_on: Day
    reason: IneligibilityReason
    note: Note


INTAKE_EVENTS = (ScreeningRecorded, ReferredForAssessment, AssessmentConcluded,
                 PlacementDecided, ParticipantWaitlisted, PlacementRefused,
                 ParticipantFoundIneligible)
events("participant", *INTAKE_EVENTS)
