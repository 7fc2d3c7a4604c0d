"""The participant aggregate (a pseudonymous inmate's path from admission to release and
readmission): state, `decide` and `evolve`."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import TYPE_CHECKING, Any

from services.programs.commands import (
    RecordAssessment,
    RecordReadmission,
    RecordRelease,
    RegisterParticipant,
)
from services.programs.domain.common import data, event, not_before, not_future
from shared.envelope import NewEvent
from shared.errors import not_found, rule

if TYPE_CHECKING:  # program.py imports this module; the fact is only a type here
    from services.programs.domain.program import Program

EVENT_TYPES = (
    "ParticipantRegistered", "AssessmentRecorded", "ParticipantReleased", "ParticipantReadmitted",
)
Command = RegisterParticipant | RecordAssessment | RecordRelease | RecordReadmission
# v2 added `assessor_role` (shared/upcasting.py); v1 events reach evolve upcast to v2.
ASSESSMENT_VERSION = 2


@dataclass(frozen=True)
class Participant:
    participant_id: str
    case_type: str
    admitted_on: date
    # Start of the current stay: admitted_on, or the last readmission's date.
    custody_since: date
    # Set while released (the last release's date); None while in custody.
    released_on: date | None = None
    releases: int = 0
    readmissions: int = 0

    @property
    def in_custody(self) -> bool:
        return self.released_on is None


def decide(
    state: Participant | None,
    command: Command,
    today: date,
    *,
    program: Program | None = None,
) -> list[NewEvent]:
    """The one event `command` asks for, or `Rejected`.

    `program` is the one `RecordAssessment.program_id` names, looked up by the handler in the
    same prison (None when it does not exist); it is ignored otherwise.
    """
    if isinstance(command, RegisterParticipant):
        return [_register(state, command, today)]
    if state is None:
        raise not_found(f"participant {command.participant_id} not found")
    match command:
        case RecordAssessment():
            return [_assess(state, command, today, program)]
        case RecordRelease():
            return [_release(state, command, today)]
        case RecordReadmission():
            return [_readmit(state, command, today)]
    raise TypeError(f"not a participant command: {type(command).__name__}")


def evolve(state: Participant | None, envelope: dict[str, Any]) -> Participant:
    """Fold one recorded event (the contract envelope as a dict) into the state."""
    kind, d = envelope["type"], envelope["data"]
    if kind == "ParticipantRegistered":
        admitted_on = date.fromisoformat(d["admitted_on"])
        return Participant(envelope["aggregate_id"], d["case_type"], admitted_on, admitted_on)
    if state is None:
        raise ValueError(f"{kind} before ParticipantRegistered")
    match kind:
        case "AssessmentRecorded":
            return state
        case "ParticipantReleased":
            return replace(state, released_on=date.fromisoformat(d["released_on"]),
                           releases=state.releases + 1)
        case "ParticipantReadmitted":
            return replace(state, released_on=None,
                           custody_since=date.fromisoformat(d["readmitted_on"]),
                           readmissions=state.readmissions + 1)
    raise ValueError(f"unknown participant event type {kind}")


def _register(state: Participant | None, c: RegisterParticipant, today: date) -> NewEvent:
    if state is not None:
        raise rule("participant already registered: a participant id is registered once",
                   "participant_id")
    not_future(c.admitted_on, today, "admitted_on")
    return event("ParticipantRegistered", data(c, "participant_id"), c.admitted_on,
                 c.occurred_at, "admitted_on")


def _assess(state: Participant, c: RecordAssessment, today: date,
            program: Program | None) -> NewEvent:
    not_future(c.assessed_on, today, "assessed_on")
    not_before(c.assessed_on, state.admitted_on, "assessed_on", "admitted_on")
    if c.program_id is not None:
        if program is None:
            raise rule("program not found in this prison", "program_id")
        if not program.ever_enrolled(state.participant_id):
            raise rule("participant was never enrolled in this program", "program_id")
    return replace(event("AssessmentRecorded", data(c, "participant_id"), c.assessed_on,
                         c.occurred_at, "assessed_on"), schema_version=ASSESSMENT_VERSION)


def _release(state: Participant, c: RecordRelease, today: date) -> NewEvent:
    if not state.in_custody:
        raise rule("participant is not in custody: already released on "
                   f"{state.released_on.isoformat()}", "released_on")
    what = "admitted_on" if state.readmissions == 0 else "the last readmission"
    not_before(c.released_on, state.custody_since, "released_on", what)
    not_future(c.released_on, today, "released_on")
    return event("ParticipantReleased", data(c, "participant_id"), c.released_on, c.occurred_at,
                 "released_on")


def _readmit(state: Participant, c: RecordReadmission, today: date) -> NewEvent:
    if state.released_on is None:
        raise rule("a readmission follows a release: participant is in custody",
                   "readmitted_on")
    not_before(c.readmitted_on, state.released_on, "readmitted_on", "the last release")
    not_future(c.readmitted_on, today, "readmitted_on")
    return event("ParticipantReadmitted", data(c, "participant_id"), c.readmitted_on,
                 c.occurred_at, "readmitted_on")
