"""Events of the `participant` aggregate: a pseudonym, never a name, NIK or register number.

`AssessmentRecorded` has two versions; the upcaster joining them sits here, beside them.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from shared.contract.fields import AssessorRole, CaseType, Day, Instrument, Phase, ReleaseType, Uuid
from shared.contract.registry import Event, events, register
from shared.contract.upcasting import Data, upcaster


class ParticipantRegistered(Event):
    case_type: CaseType
    admitted_on: Day


class AssessmentRecorded(Event):
    instrument: Instrument
    phase: Phase
    score: Annotated[float, Field(strict=True, allow_inf_nan=False)]
    assessed_on: Day
    program_id: Uuid | None


class AssessmentRecordedV2(AssessmentRecorded):
    """v2: who assessed, null when not recorded (a v1 event upcasts to null)."""

    assessor_role: AssessorRole | None


class ParticipantReleased(Event):
    released_on: Day
    release_type: ReleaseType


class ParticipantReadmitted(Event):
    readmitted_on: Day


events("participant", ParticipantRegistered, AssessmentRecorded, ParticipantReleased,
       ParticipantReadmitted)
register("participant", "AssessmentRecorded", 2, AssessmentRecordedV2)


@upcaster("AssessmentRecorded", 1)
def assessment_recorded_v1_to_v2(data: Data) -> Data:
    """v1 did not record who assessed: null ("not recorded"), never a guess."""
    return {**data, "assessor_role": None}
