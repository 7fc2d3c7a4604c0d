"""The `data` of the programs service's commands: field validation at the edge.

Each field is checked on its own here (shape, enum, length, format) and a failure is `invalid`.
Relations between fields, with other aggregates, with the current state or with today are
business rules and live in `domain`, where a failure is `rule`.

No personal data: a participant is only ever its pseudonym `participant_id`. Every model forbids
extra keys, so a request that carries a `name`, `nik` or `register_number` is rejected as
`invalid` (the reply names the field, never its value) and nothing of it is written.
"""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import AfterValidator, Field, ValidationInfo, field_validator

from services.programs.plan import Phases, PlanDays
from shared.contract.fields import (
    AssessorRole,
    CaseType,
    Instrument,
    Phase,
    PhaseName,
    ReleaseType,
    Track,
    WithdrawalReason,
)
from shared.fields import (
    MAX_PARTICIPANTS,
    SERVICES,
    Day,
    Instant,
    Model,
    Name,
    Note,
    Service,
    Uuid,
    text,
)
from shared.instruments import SCORE_RANGES

# The contract's lists. A program's activities are drawn from its agreement's services.
Activity = Service
ACTIVITIES: tuple[str, ...] = SERVICES



def _activities(value: list[str]) -> list[str]:
    if len(set(value)) != len(value):
        raise ValueError("must not repeat an activity")
    # Contract order, so equal sets serialise equally.
    return sorted(value, key=ACTIVITIES.index)


Cohort = text(100)
Activities = Annotated[list[Activity], Field(min_length=1), AfterValidator(_activities)]
Capacity = Annotated[int, Field(ge=1, le=MAX_PARTICIPANTS, strict=True)]
# A finite JSON number; RecordAssessment bounds it to its instrument's range.
Score = Annotated[float, Field(strict=True, allow_inf_nan=False, description=(
    "Inside the instrument's range: " + "; ".join(
        f"{name} {scale.describe().removeprefix('must be ')}"
        for name, scale in SCORE_RANGES.items()) + "."))]


class ProgramCommand(Model):
    """A command on the `program` aggregate named by `program_id`."""

    AGGREGATE: ClassVar[str] = "program"
    program_id: Uuid
    occurred_at: Instant | None = None


class ParticipantCommand(Model):
    """A command on the `participant` aggregate named by `participant_id` (a pseudonym)."""

    AGGREGATE: ClassVar[str] = "participant"
    participant_id: Uuid
    occurred_at: Instant | None = None


class LaunchProgram(ProgramCommand):
    """Launch a program (one cohort) under an agreement of the same prison; writes
    `ProgramLaunched`.

    Rules: a program id is launched once, and not one another prison already uses; `ends_on` is
    after `starts_on`; the agreement exists in this prison, is not terminated and is in force on
    `starts_on`; every activity is one of the agreement's services.

    Track and plan (optional; omitted, they are recorded as null, null and [] as a v1 client's
    launch always was): `track` (medical | social | post_rehabilitation); `planned_days`, each
    participant's planned length (1..730), at most the term's length in days (`starts_on` to
    `ends_on`, both counted); `phases`, the phase plan in the order participants go through it
    (distinct names, each 1..730 days), whose days add up to at most `planned_days` when it is
    given, else to at most the term's length. A participant starts in the first phase at
    enrolment and moves on with `AdvancePhase`.
    """

    agreement_id: Uuid
    name: Name
    cohort: Cohort
    activities: Activities
    starts_on: Day
    ends_on: Day
    capacity: Capacity
    # Optional, so clients written before them keep working.
    track: Track | None = None
    planned_days: PlanDays | None = None
    phases: Phases = []


class AdvancePhase(ProgramCommand):
    """Move an active participant on to a later phase of the program's plan; writes
    `PhaseAdvanced`. A participant starts in the plan's first phase at each enrolment.

    Rules: the program exists (`not_found`), is not closed and has a phase plan; the
    participant is active in it; `phase` is in the plan and later than the participant's
    current phase (phases may be skipped, never gone back to); `advanced_on` is within the
    program's term, not before the enrolment nor the last advance, and not in the future.
    """

    participant_id: Uuid
    phase: PhaseName
    advanced_on: Day


class EnrollParticipant(ProgramCommand):
    """Enrol a registered participant in custody into an open program; writes
    `ParticipantEnrolled`.

    Rules: the program exists in this prison (`not_found`) and is not closed; the participant
    is registered in this prison, in custody (a released one is readmitted first), not active in
    the program and has not completed it; `enrolled_on` is in the program's term, not before the
    participant's current admission nor a withdrawal from this program, and not in the future;
    the program is not full (`capacity`).
    """

    participant_id: Uuid
    enrolled_on: Day


class WithdrawParticipant(ProgramCommand):
    """Withdraw an active participant from a program, with a reason code;
    writes `ParticipantWithdrawn`.

    Rules: the program exists (`not_found`) and is not closed; the participant is active in it;
    `withdrawn_on` is not before the enrolment and not in the future.
    """

    participant_id: Uuid
    withdrawn_on: Day
    reason: WithdrawalReason
    note: Note = None


class CompleteParticipant(ProgramCommand):
    """Record that an active participant completed the program; writes
    `ParticipantCompleted`.

    Rules: the program exists (`not_found`) and is not closed; the participant is active in it;
    `completed_on` is not before the enrolment and not in the future.
    """

    participant_id: Uuid
    completed_on: Day


class CloseProgram(ProgramCommand):
    """Close a program once nobody is active in it; writes `ProgramClosed`, after
    which the program accepts no command.

    Rules: the program exists (`not_found`) and is not closed; no participant is active;
    `closed_on` is not before `starts_on` nor the last enrolment, completion or withdrawal, and
    not in the future.
    """

    closed_on: Day


class RegisterParticipant(ParticipantCommand):
    """Register a participant admitted to this prison, by pseudonym only;
    writes `ParticipantRegistered`.

    Rules: a participant id is registered once in a prison (the same pseudonym may be
    registered in another prison: that is a readmission elsewhere); `admitted_on` is not in the
    future.
    """

    case_type: CaseType
    admitted_on: Day


class RecordAssessment(ParticipantCommand):
    """Record one assessment score (an instrument at a phase), optionally for a
    program the participant was enrolled in; writes `AssessmentRecorded` (schema_version 2).

    Rules: the participant is registered in this prison (`not_found`); `assessed_on` is not
    before `admitted_on` and not in the future; the score lies in its instrument's range
    (`invalid` otherwise); `program_id`, when given, names a program of this prison the
    participant was enrolled in.
    """

    instrument: Instrument
    phase: Phase
    score: Score
    assessed_on: Day
    program_id: Uuid | None = None
    # Optional, so clients written before it keep working; recorded as null when not given.
    assessor_role: AssessorRole | None = None

    @field_validator("score")
    @classmethod
    def _in_range(cls, score: float, info: ValidationInfo) -> float:
        # A field's own check, though it reads `instrument`: each instrument has one scale, and
        # a score off it (1.7e308 as an ASSIST score) is malformed input, not a business rule.
        instrument = info.data.get("instrument")  # absent when itself invalid: reported there
        scale = SCORE_RANGES.get(instrument) if instrument else None
        if scale is not None and not scale.admits(score):
            raise ValueError(f"a {instrument} score {scale.describe()}")
        return score


class RecordRelease(ParticipantCommand):
    """Record a participant's release from custody; writes `ParticipantReleased`.

    Rules: the participant is registered in this prison (`not_found`) and in custody;
    `released_on` is not before the current admission and not in the future.
    """

    released_on: Day
    release_type: ReleaseType


class RecordReadmission(ParticipantCommand):
    """Record a participant's admission after a release, the recidivism
    signal; writes `ParticipantReadmitted`.

    Rules: the participant is registered in this prison (`not_found`) and was released (not in
    custody); `readmitted_on` is not before the last release and not in the future.
    """

    readmitted_on: Day
