"""The program aggregate (a cohort under an agreement): state, `decide` and `evolve`."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Literal

from services.programs.commands import (
    AdvancePhase,
    CloseProgram,
    CompleteParticipant,
    EnrollParticipant,
    LaunchProgram,
    WithdrawParticipant,
)
from services.programs.domain.agreement_view import AgreementView
from services.programs.domain.common import (
    at,
    dated,
    not_before,
    not_before_instant,
    not_future,
)
from services.programs.domain.launch import launch
from services.programs.domain.participant import Participant
from services.programs.domain.phases import advance
from shared.contract.events import (
    Fact,
    ParticipantCompleted,
    ParticipantEnrolled,
    ParticipantWithdrawn,
    PhaseAdvanced,
    ProgramClosed,
    ProgramLaunchedV2,
)
from shared.envelope import NewEvent
from shared.errors import not_found, rule

Command = (
    LaunchProgram | EnrollParticipant | WithdrawParticipant | CompleteParticipant | CloseProgram
    | AdvancePhase
)
Status = Literal["active", "completed", "withdrawn"]


@dataclass(frozen=True)
class Membership:
    """One participant's place in the program: the latest enrolment and how it ended, by date
    and by instant (the envelope's occurred_at, which the attendance roster goes by)."""

    status: Status
    enrolled_on: date
    enrolled_at: datetime
    left_on: date | None = None
    left_at: datetime | None = None
    # The phase of the plan the participant is in (None: the program has no plan), since when
    # (the enrolment's or the last advance's date and instant). Kept after leaving.
    phase: str | None = None
    phase_since: date | None = None
    phase_at: datetime | None = None


@dataclass(frozen=True)
class Program:
    program_id: str
    agreement_id: str
    activities: tuple[str, ...]
    starts_on: date
    ends_on: date
    capacity: int
    track: str | None = None
    planned_days: int | None = None
    # The phase plan's names, in order; empty: the program has no plan.
    phases: tuple[str, ...] = ()
    # Never mutated: evolve builds a new dict, so a state kept by a fold cache stays valid.
    members: dict[str, Membership] = field(default_factory=dict)
    closed_on: date | None = None

    @property
    def active(self) -> int:
        return sum(m.status == "active" for m in self.members.values())

    def is_active(self, participant_id: str) -> bool:
        member = self.members.get(participant_id)
        return member is not None and member.status == "active"

    def last_change(self) -> tuple[date, datetime | None]:
        """The latest enrolment, completion or withdrawal: its date (else starts_on) and its
        instant (else None)."""
        latest = [(m.left_on or m.enrolled_on, m.left_at or m.enrolled_at)
                  for m in self.members.values()]
        return max(latest, key=lambda change: change[1], default=(self.starts_on, None))


def decide(
    state: Program | None,
    command: Command,
    today: date,
    *,
    agreement: AgreementView | None = None,
    participant: Participant | None = None,
) -> list[NewEvent]:
    """The one event `command` asks for, or `Rejected`.

    Facts, looked up by the handler in the same prison (None when they do not exist):
    `agreement` is the one `LaunchProgram` names, `participant` the one `EnrollParticipant`
    names; each is ignored by the other commands.
    """
    if isinstance(command, LaunchProgram):
        return [launch(state, command, agreement)]
    if state is None:
        raise not_found(f"program {command.program_id} not found")
    if state.closed_on is not None:
        raise rule("program is closed: nothing is accepted after closing")
    match command:
        case EnrollParticipant():
            return [_enroll(state, command, today, participant)]
        case WithdrawParticipant():
            _leave(state, command, command.withdrawn_on, "withdrawn_on", today)
            withdrawn = ParticipantWithdrawn.of(
                participant_id=command.participant_id, withdrawn_on=command.withdrawn_on,
                reason=command.reason, note=command.note)
            return [dated(withdrawn, command.withdrawn_on, command.occurred_at, "withdrawn_on")]
        case CompleteParticipant():
            _leave(state, command, command.completed_on, "completed_on", today)
            completed = ParticipantCompleted.of(participant_id=command.participant_id,
                                                completed_on=command.completed_on)
            return [dated(completed, command.completed_on, command.occurred_at, "completed_on")]
        case CloseProgram():
            return [_close(state, command, today)]
        case AdvancePhase():
            return [advance(state, command, today)]
    raise TypeError(f"not a program command: {type(command).__name__}")


def evolve(state: Program | None, fact: Fact) -> Program:
    """Fold one recorded event into the state."""
    event = fact.event
    if isinstance(event, ProgramLaunchedV2):  # the store upcasts v1: readers see v2 only
        return Program(
            program_id=fact.aggregate_id,
            agreement_id=event.agreement_id,
            activities=tuple(event.activities),
            starts_on=event.starts_on,
            ends_on=event.ends_on,
            capacity=event.capacity,
            track=event.track,
            planned_days=event.planned_days,
            phases=tuple(phase["name"] for phase in event.phases),
        )
    if state is None:
        raise ValueError(f"{event.TYPE} before ProgramLaunched")
    when = datetime.fromisoformat(fact.occurred_at)
    match event:
        case ParticipantEnrolled():  # each enrolment starts in the plan's first phase
            first = state.phases[0] if state.phases else None
            member = Membership("active", event.enrolled_on, when, phase=first,
                                phase_since=event.enrolled_on, phase_at=when)
            return replace(state, members={**state.members, event.participant_id: member})
        case PhaseAdvanced():
            member = replace(state.members[event.participant_id], phase=event.phase,
                             phase_since=event.advanced_on, phase_at=when)
            return replace(state, members={**state.members, event.participant_id: member})
        case ParticipantWithdrawn():
            return _left(state, event.participant_id, "withdrawn", event.withdrawn_on, when)
        case ParticipantCompleted():
            return _left(state, event.participant_id, "completed", event.completed_on, when)
        case ProgramClosed():
            return replace(state, closed_on=event.closed_on)
    raise ValueError(f"unknown program event type {event.TYPE}")


def _left(state: Program, participant_id: str, status: Status, day: date,
          when: datetime) -> Program:
    member = replace(state.members[participant_id], status=status, left_on=day, left_at=when)
    return replace(state, members={**state.members, participant_id: member})


def _enroll(state: Program, c: EnrollParticipant, today: date,
            participant: Participant | None) -> NewEvent:
    member = state.members.get(c.participant_id)
    if member is not None and member.status == "active":
        raise rule("participant is already active in this program", "participant_id")
    if member is not None and member.status == "completed":
        raise rule("participant has already completed this program", "participant_id")
    if participant is None:
        raise rule("participant is not registered in this prison", "participant_id")
    if not participant.in_custody:
        raise rule("participant is released: record a readmission before enrolling",
                   "participant_id")
    not_future(c.enrolled_on, today, "enrolled_on")
    if not state.starts_on <= c.enrolled_on <= state.ends_on:
        raise rule(f"enrolled_on must be within the program's term {state.starts_on.isoformat()} "
                   f"to {state.ends_on.isoformat()}", "enrolled_on")
    not_before(c.enrolled_on, participant.custody_since, "enrolled_on",
               "the participant's current admission")
    if member is not None and member.left_on is not None:
        not_before(c.enrolled_on, member.left_on, "enrolled_on",
                   "the participant's withdrawal from this program")
        not_before_instant(at(c.enrolled_on, c.occurred_at), member.left_at,
                           "the withdrawal's occurred_at")
    if state.active >= state.capacity:
        raise rule(f"program is full: {state.active} of {state.capacity} places are taken",
                   "participant_id")
    enrolled = ParticipantEnrolled.of(participant_id=c.participant_id, enrolled_on=c.enrolled_on)
    return dated(enrolled, c.enrolled_on, c.occurred_at, "enrolled_on")


def _leave(state: Program, c: WithdrawParticipant | CompleteParticipant, day: date,
           field_name: str, today: date) -> None:
    """A withdrawal or completion: of an active participant, dated within the enrolment."""
    if not state.is_active(c.participant_id):
        raise rule("participant is not active in this program", "participant_id")
    member = state.members[c.participant_id]
    not_before(day, member.enrolled_on, field_name, "enrolled_on")
    not_future(day, today, field_name)
    not_before_instant(at(day, c.occurred_at), member.enrolled_at, "the enrolment's occurred_at")


def _close(state: Program, c: CloseProgram, today: date) -> NewEvent:
    not_before(c.closed_on, state.starts_on, "closed_on", "starts_on")
    not_future(c.closed_on, today, "closed_on")
    if state.active:
        raise rule(f"{state.active} participants are still active: complete or withdraw them "
                   "before closing", "closed_on")
    last_on, last_at = state.last_change()
    not_before(c.closed_on, last_on, "closed_on",
               "the program's last enrolment, completion or withdrawal")
    if last_at is not None:
        not_before_instant(at(c.closed_on, c.occurred_at), last_at,
                           "the last completion's or withdrawal's occurred_at")
    return dated(ProgramClosed.of(closed_on=c.closed_on), c.closed_on, c.occurred_at,
                 "closed_on")
