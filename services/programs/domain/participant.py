"""The participant aggregate (a pseudonymous inmate's path from admission to release and
readmission): state, `decide` and `evolve`."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from services.programs.commands import (
    RecordAssessment,
    RecordReadmission,
    RecordRelease,
    RegisterParticipant,
)
from services.programs.commands_custody import RecordDeath, RecordTransfer, RevokeParole
from services.programs.domain import custody, intake, urine
from services.programs.domain.common import dated, not_before, not_future
from services.programs.intake_commands import IntakeCommand
from shared.contract.events import (
    AssessmentRecorded,
    AssessmentRecordedV2,
    Fact,
    ParticipantReadmitted,
    ParticipantRegistered,
)
from shared.envelope import NewEvent
from shared.errors import not_found, rule

Command = (RegisterParticipant | RecordAssessment | RecordRelease | RecordReadmission
           | RecordTransfer | RevokeParole | RecordDeath | urine.Command | IntakeCommand)


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
    urine: urine.UrineRecord = field(default_factory=urine.UrineRecord)
    # The intake pipeline of the latest screened stay (domain/intake.py).
    intake: intake.Intake | None = None
    # What custody_since is, in refusals: "admitted_on", "the last readmission", ...
    custody_from: str = "admitted_on"
    # Of the current release: true conditional, false final, None not known (or in custody).
    conditional: bool | None = None
    # Set while transferred out (to another prison, or a v1 release of type `transfer`).
    transferred_on: date | None = None
    died_on: date | None = None

    @property
    def in_custody(self) -> bool:
        return self.released_on is None and self.transferred_on is None and self.died_on is None


def decide(
    state: Participant | None,
    command: Command,
    today: date,
    *,
    program: Collection[str] | None = None,
    prison_id: str = "",
    placement_program: intake.ProgramTrack | None = None,
    **facts: Any,
) -> list[NewEvent]:
    """The one event `command` asks for, or `Rejected`.

    `program` is what the decision needs of the program `RecordAssessment.program_id` names:
    the participants ever enrolled in it (None when it does not exist in this prison); it is
    ignored by the other commands. `placement_program`: the program `DecidePlacement` names.
    Urine tests and violations are decided in `urine`, with the `facts` their rows read.
    `prison_id` is this prison (`RecordTransfer` only).
    """
    if isinstance(command, RegisterParticipant):
        return [_register(state, command, today)]
    if state is None:
        raise not_found(f"participant {command.participant_id} not found")
    custody.alive(state)
    if isinstance(command, urine.COMMANDS):
        return [urine.decide(state, command, today, **facts)]
    if isinstance(command, intake.INTAKE_COMMAND_TYPES):
        return [intake.decide(state, command, today, placement_program)]
    match command:
        case RecordAssessment():
            return [_assess(state, command, today, program)]
        case RecordRelease():
            return [custody.release(state, command, today)]
        case RecordReadmission():
            return [_readmit(state, command, today)]
        case RecordTransfer():
            return [custody.transfer(state, command, today, prison_id)]
        case RevokeParole():
            return [custody.revoke(state, command, today)]
        case RecordDeath():
            return [custody.die(state, command, today)]
    raise TypeError(f"not a participant command: {type(command).__name__}")


def evolve(state: Participant | None, fact: Fact) -> Participant:
    """Fold one recorded event into the state."""
    event = fact.event
    if isinstance(event, ParticipantRegistered):
        admitted_on = event.admitted_on
        return Participant(fact.aggregate_id, event.case_type, admitted_on, admitted_on)
    if state is None:
        raise ValueError(f"{event.TYPE} before ParticipantRegistered")
    if isinstance(event, urine.EVENTS):
        return replace(state, urine=urine.evolve(state.urine, event))
    if isinstance(event, intake.INTAKE_EVENT_TYPES):
        return replace(state, intake=intake.evolve(state, event))
    match event:
        case AssessmentRecorded():
            return state
        case ParticipantReadmitted():
            return replace(state, released_on=None, transferred_on=None, conditional=None,
                           custody_since=event.readmitted_on,
                           custody_from="the last readmission",
                           readmissions=state.readmissions + 1)
    after = custody.evolve(state, event)
    if after is not None:
        return after
    raise ValueError(f"unknown participant event type {event.TYPE}")


def _register(state: Participant | None, c: RegisterParticipant, today: date) -> NewEvent:
    if state is not None:
        raise rule("participant already registered: a participant id is registered once",
                   "participant_id")
    not_future(c.admitted_on, today, "admitted_on")
    return dated(ParticipantRegistered.of(case_type=c.case_type, admitted_on=c.admitted_on),
                 c.admitted_on, c.occurred_at, "admitted_on")


def _assess(state: Participant, c: RecordAssessment, today: date,
            program: Collection[str] | None) -> NewEvent:
    not_future(c.assessed_on, today, "assessed_on")
    not_before(c.assessed_on, state.admitted_on, "assessed_on", "admitted_on")
    if c.program_id is not None:
        if program is None:
            raise rule("program not found in this prison", "program_id")
        if state.participant_id not in program:
            raise rule("participant was never enrolled in this program", "program_id")
    # v2 (who assessed); v1 events reach evolve upcast to v2.
    recorded = AssessmentRecordedV2.of(
        instrument=c.instrument, phase=c.phase, score=c.score, assessed_on=c.assessed_on,
        program_id=c.program_id, assessor_role=c.assessor_role)
    return dated(recorded, c.assessed_on, c.occurred_at, "assessed_on")


def _readmit(state: Participant, c: RecordReadmission, today: date) -> NewEvent:
    if state.in_custody:
        raise rule("a readmission follows a release: participant is in custody",
                   "readmitted_on")
    if state.released_on is not None:
        not_before(c.readmitted_on, state.released_on, "readmitted_on", "the last release")
    else:
        not_before(c.readmitted_on, state.transferred_on, "readmitted_on", "the transfer")
    not_future(c.readmitted_on, today, "readmitted_on")
    return dated(ParticipantReadmitted.of(readmitted_on=c.readmitted_on), c.readmitted_on,
                 c.occurred_at, "readmitted_on")
