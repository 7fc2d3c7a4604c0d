"""The `data` of the intake pipeline's commands (issue 13, docs/pathway.md §1): field
validation at the edge (`invalid`); the order of the steps and the date rules are the domain's
(`services/programs/domain/intake.py`, `rule`).

The pipeline of one stay: `RecordScreening` → (moderate or high risk) `ReferForAssessment` →
`ConcludeAssessment` → `DecidePlacement` | `WaitlistParticipant` (then `DecidePlacement`
later) | `RecordRefusal` | `RecordIneligibility` (also right after the screening). A low-risk
screening ends it (drug education only). A readmission starts a new stay and a new intake.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, ValidationInfo, field_validator

from services.programs.commands import ParticipantCommand
from shared.contract.events.intake import MAX_TEAM
from shared.contract.fields import IneligibilityReason, RiskBand, Setting, TeamRole, Track
from shared.fields import Day, Model, Note, Text, Uuid, text
from shared.instruments import SCORE_RANGES

Number = text(100)  # a decree (SK) number

class TeamMember(Model):
    """One member of the assessment team, by role only (never a name)."""

    role: TeamRole


class RecordScreening(ParticipantCommand):
    """Record the screening (WHO ASSIST or another instrument) that opens the intake of the
    participant's current stay; writes `ScreeningRecorded`.

    Rules: the participant is registered in this prison (`not_found`) and in
    custody; one screening per stay (a second one in the same stay is
    refused; a readmission starts a new stay that is screened again); `screened_on` is not
    before the current admission (or readmission) and not in the future; `score` lies in the
    instrument's range (ASSIST 0–39, other −1000–1000: `invalid` otherwise). `risk` is the
    screener's band (ASSIST: 0–3 low, 4–26 moderate, 27+ high): not derived from the score,
    since the substance is not recorded. A low risk ends the pipeline (drug education only).
    """

    screened_on: Day
    instrument: Literal["ASSIST", "other"]
    score: Annotated[float, Field(strict=True, allow_inf_nan=False)]
    risk: RiskBand

    @field_validator("score")
    @classmethod
    def _in_range(cls, score: float, info: ValidationInfo) -> float:
        instrument = info.data.get("instrument")
        scale = SCORE_RANGES.get(instrument) if instrument else None
        if scale is not None and not scale.admits(score):
            raise ValueError(f"a {instrument} score {scale.describe()}")
        return score


class ReferForAssessment(ParticipantCommand):
    """Refer a participant screened at moderate or high risk to a full assessment by a team
    (roles only); writes `ReferredForAssessment`.

    Rules: the participant is registered in this prison (`not_found`) and in
    custody; the current stay's intake is at its screening (not already
    referred) and the screening's risk is moderate or high; `referred_on` is not before the
    screening and not in the future; `team` has 1–20 members.
    """

    referred_on: Day
    team: Annotated[list[TeamMember], Field(min_length=1, max_length=MAX_TEAM)]


class ConcludeAssessment(ParticipantCommand):
    """Record the assessment team's conclusion (ASI or another instrument): the recommended
    track and setting (inside or outside the prison); writes `AssessmentConcluded`.

    Rules: the participant is registered in this prison (`not_found`) and in
    custody; the current stay's intake was referred and not yet
    concluded; `concluded_on` is not before the referral and not in the future.
    """

    concluded_on: Day
    instrument: Literal["ASI", "other"]
    recommended_track: Track
    recommended_setting: Setting
    note: Note = None


class DecidePlacement(ParticipantCommand):
    """Record the head of the prison's placement decision (decree, SK) on a concluded
    assessment, directly or after a wait; writes `PlacementDecided`.

    Rules: the participant is registered in this prison (`not_found`) and in
    custody; the current stay's intake is concluded or waitlisted (no
    decision, refusal or ineligibility yet); `decided_on` is not before the previous step and
    not in the future; `program_id`, when given, names a program of this prison that is not
    closed and whose track, when the program records one, is `track`. The decision may differ
    from the recommendation. It does not enrol: `EnrollParticipant` does.
    """

    decided_on: Day
    decree_number: Number
    track: Track
    setting: Setting
    program_id: Uuid | None = None


class WaitlistParticipant(ParticipantCommand):
    """Put a participant whose assessment is concluded on the waiting list for a place in a
    track; writes `ParticipantWaitlisted`. `DecidePlacement` ends the wait.

    Rules: the participant is registered in this prison (`not_found`) and in
    custody; the current stay's intake is concluded (not already
    waitlisted or decided); `waitlisted_on` is not before the conclusion and not in the future.
    """

    waitlisted_on: Day
    track: Track


class RecordRefusal(ParticipantCommand):
    """Record that the participant refused rehabilitation after the assessment (also while
    waitlisted); writes `PlacementRefused`.

    Rules: the participant is registered in this prison (`not_found`) and in
    custody; the current stay's intake is concluded or waitlisted;
    `refused_on` is not before the previous step and not in the future.
    """

    refused_on: Day
    reason: Text


class RecordIneligibility(ParticipantCommand):
    """Record that the participant was found ineligible, with a reason code; writes
    `ParticipantFoundIneligible`.

    Rules: the participant is registered in this prison (`not_found`) and in
    custody; the current stay's intake is screened (any risk), concluded
    or waitlisted (not referred and awaiting the team, not decided); `decided_on` is not before
    the previous step and not in the future.
    """

    decided_on: Day
    reason: IneligibilityReason
    note: Note = None


INTAKE_COMMANDS = (RecordScreening, ReferForAssessment, ConcludeAssessment, DecidePlacement,
                   WaitlistParticipant, RecordRefusal, RecordIneligibility)
IntakeCommand = (RecordScreening | ReferForAssessment | ConcludeAssessment | DecidePlacement
                 | WaitlistParticipant | RecordRefusal | RecordIneligibility)
