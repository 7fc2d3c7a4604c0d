"""Every stored event type of the contract, registered on import: the single source of truth.

`decide` builds these models and the store appends them (`Event.stamped`); folds meet them
through `decode`; the audit (`shared.contract.validation`) and the AsyncAPI document read the
same registry.
"""

from shared.contract.events.agreement import (
    AgreementAmended,
    AgreementExpired,
    AgreementExtended,
    AgreementSigned,
    AgreementTerminated,
    Changes,
)
from shared.contract.events.custody import (
    ConditionalReleaseRevoked,
    ParticipantDied,
    ParticipantReleasedV2,
    ParticipantTransferred,
)
from shared.contract.events.intake import (
    INTAKE_EVENTS,
    AssessmentConcluded,
    ParticipantFoundIneligible,
    ParticipantWaitlisted,
    PlacementDecided,
    PlacementRefused,
    ReferredForAssessment,
    ScreeningRecorded,
)
from shared.contract.events.participant import (
    AssessmentRecorded,
    AssessmentRecordedV2,
    ParticipantReadmitted,
    ParticipantRegistered,
    ParticipantReleased,
)
from shared.contract.events.prison import KanwilAssigned, QuotaSet
from shared.contract.events.program import (
    ParticipantCompleted,
    ParticipantEnrolled,
    ParticipantWithdrawn,
    PhaseAdvanced,
    ProgramClosed,
    ProgramLaunched,
    ProgramLaunchedV2,
)
from shared.contract.events.session import (
    AttendanceCorrected,
    AttendanceCorrectedV2,
    SessionCancelled,
    SessionHeld,
    SessionHeldV2,
    SessionNotHeld,
    SessionScheduled,
)
from shared.contract.events.urine import UrineTestRecorded, ViolationResolved
from shared.contract.registry import (
    EVENT_AGGREGATES,
    EVENT_SCHEMAS,
    Event,
    Fact,
    decode,
    encode,
    latest_versions,
)
from shared.contract.upcasting import current_version, upcast, upcast_records

__all__ = [
    "AgreementAmended", "AgreementExpired", "AgreementExtended", "AgreementSigned",
    "AgreementTerminated", "AssessmentConcluded", "AssessmentRecorded", "AssessmentRecordedV2",
    "AttendanceCorrected", "AttendanceCorrectedV2", "Changes", "ConditionalReleaseRevoked",
    "EVENT_AGGREGATES", "EVENT_SCHEMAS", "Event", "Fact", "INTAKE_EVENTS", "KanwilAssigned",
    "ParticipantCompleted", "ParticipantDied", "ParticipantEnrolled",
    "ParticipantFoundIneligible", "ParticipantReadmitted", "ParticipantRegistered",
    "ParticipantReleased", "ParticipantReleasedV2", "ParticipantTransferred",
    "ParticipantWaitlisted", "ParticipantWithdrawn", "PhaseAdvanced", "PlacementDecided",
    "PlacementRefused", "ProgramClosed", "ProgramLaunched", "ProgramLaunchedV2", "QuotaSet",
    "ReferredForAssessment", "ScreeningRecorded", "SessionCancelled", "SessionHeld",
    "SessionHeldV2", "SessionNotHeld", "SessionScheduled", "UrineTestRecorded",
    "ViolationResolved", "current_version", "decode", "encode", "latest_versions", "upcast",
    "upcast_records",
]
