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
    SessionCancelled,
    SessionHeld,
    SessionScheduled,
)
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
    "EVENT_AGGREGATES", "EVENT_SCHEMAS", "AgreementAmended", "AgreementExpired",
    "AgreementExtended", "AgreementSigned", "AgreementTerminated", "AssessmentRecorded",
    "AssessmentRecordedV2", "AttendanceCorrected", "Changes", "Event", "Fact", "KanwilAssigned",
    "ParticipantCompleted", "ParticipantEnrolled", "ParticipantReadmitted",
    "ParticipantRegistered", "ParticipantReleased", "ParticipantWithdrawn", "PhaseAdvanced",
    "ProgramClosed", "ProgramLaunched", "ProgramLaunchedV2", "QuotaSet", "SessionCancelled",
    "SessionHeld", "SessionScheduled",
    "current_version", "decode", "encode", "latest_versions", "upcast", "upcast_records",
]
