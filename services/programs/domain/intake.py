"""The intake pipeline of a participant's stay (issue 13, docs/pathway.md §1): its state
machine and rules. The participant aggregate (`participant.py`) delegates its intake commands
and events here.

    screened ─(moderate/high)→ referred → concluded ─→ placed
        │                                     ├─→ waitlisted ─→ placed | refused | ineligible
        │                                     ├─→ refused
        └──────────────→ ineligible ←─────────┘

One intake per stay: the stay is the participant's admission (stay 1) or a readmission (stay
n + 1 after n readmissions); a readmission starts a new intake, a second screening in the same
stay is refused (there is no re-screening: a wrong screening is not corrected by a second one).
A low-risk screening ends the pipeline (drug education only); placed, refused and ineligible
end it too. Every step needs the participant in custody and is dated not before the previous
step (the screening: not before the stay's admission) and not in the future.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import TYPE_CHECKING, Literal

from services.programs.domain.common import dated, not_before, not_future
from services.programs.intake_commands import (
    ConcludeAssessment,
    DecidePlacement,
    IntakeCommand,
    RecordIneligibility,
    RecordRefusal,
    RecordScreening,
    ReferForAssessment,
    WaitlistParticipant,
)
from shared.contract.events import (
    AssessmentConcluded,
    Event,
    Fact,
    ParticipantFoundIneligible,
    ParticipantWaitlisted,
    PlacementDecided,
    PlacementRefused,
    ProgramClosed,
    ProgramLaunched,
    ReferredForAssessment,
    ScreeningRecorded,
)
from shared.contract.events.intake import TeamMember
from shared.contract.registry import Unknown
from shared.envelope import NewEvent
from shared.errors import rule

if TYPE_CHECKING:
    from services.programs.domain.participant import Participant

Stage = Literal["screened", "referred", "concluded", "waitlisted", "placed", "refused",
                "ineligible"]

# command -> (the event it writes, its date field, the stages it may follow)
STEPS: dict[type, tuple[type[Event], str, frozenset[str]]] = {
    RecordScreening: (ScreeningRecorded, "screened_on", frozenset()),
    ReferForAssessment: (ReferredForAssessment, "referred_on", frozenset({"screened"})),
    ConcludeAssessment: (AssessmentConcluded, "concluded_on", frozenset({"referred"})),
    DecidePlacement: (PlacementDecided, "decided_on", frozenset({"concluded", "waitlisted"})),
    WaitlistParticipant: (ParticipantWaitlisted, "waitlisted_on", frozenset({"concluded"})),
    RecordRefusal: (PlacementRefused, "refused_on", frozenset({"concluded", "waitlisted"})),
    RecordIneligibility: (ParticipantFoundIneligible, "decided_on",
                          frozenset({"screened", "concluded", "waitlisted"})),
}
# event -> (the stage it leads to, its date field)
STAGES: dict[type, tuple[Stage, str]] = {
    ScreeningRecorded: ("screened", "screened_on"),
    ReferredForAssessment: ("referred", "referred_on"),
    AssessmentConcluded: ("concluded", "concluded_on"),
    PlacementDecided: ("placed", "decided_on"),
    ParticipantWaitlisted: ("waitlisted", "waitlisted_on"),
    PlacementRefused: ("refused", "refused_on"),
    ParticipantFoundIneligible: ("ineligible", "decided_on"),
}
INTAKE_COMMAND_TYPES = tuple(STEPS)
INTAKE_EVENT_TYPES = tuple(STAGES)


@dataclass(frozen=True)
class Intake:
    """The intake of one stay: where it stands and the date of its latest step."""

    stay: int
    stage: Stage
    risk: str
    last_on: date


@dataclass(frozen=True)
class ProgramTrack:
    """What a placement needs of the program it names: its track (None when the program does
    not record one: launched before tracks existed, or without one) and whether it closed."""

    track: str | None
    closed: bool = False


def program_evolve(state: ProgramTrack | None, fact: Fact) -> ProgramTrack:
    """Its own small fold of the program's events (as `enrolments.py` does). The track is read
    tolerantly: a ProgramLaunched without `track` (v1) records none."""
    event = fact.event
    if isinstance(event, ProgramLaunched):
        return ProgramTrack(getattr(event, "track", None))
    if state is None:
        raise ValueError(f"{event.TYPE} before ProgramLaunched")
    if isinstance(event, ProgramClosed):
        return replace(state, closed=True)
    if isinstance(event, Unknown):
        raise ValueError(f"unknown program event type {event.TYPE}")
    return state


def stay_of(state: Participant) -> int:
    """The participant's current stay: 1, then one more per readmission."""
    return state.readmissions + 1


def current(state: Participant) -> Intake | None:
    """The intake of the current stay, if it was screened."""
    intake = state.intake
    return intake if intake is not None and intake.stay == stay_of(state) else None


def decide(state: Participant, command: IntakeCommand, today: date,
           program: ProgramTrack | None) -> NewEvent:
    """The event of one intake step, or `rule`. `program`: the program
    `DecidePlacement.program_id` names (None when it does not exist in this prison)."""
    model, field, follows = STEPS[type(command)]
    day: date = getattr(command, field)
    if not state.in_custody:
        raise rule(f"participant is not in custody: released on {state.released_on}", field)
    intake = current(state)
    if isinstance(command, RecordScreening):
        if intake is not None:
            raise rule("already screened in this stay: one intake per stay (a readmission "
                       "starts a new one)", "participant_id")
        not_before(day, state.custody_since, field, "the current admission")
    else:
        _follows(intake, type(command).__name__, follows, field)
        assert intake is not None
        not_before(day, intake.last_on, field, f"the {intake.stage} step")
    not_future(day, today, field)
    if isinstance(command, DecidePlacement) and command.program_id is not None:
        _placed_in(program, command.track)
    data = command.model_dump(exclude={"participant_id", "occurred_at"})
    if isinstance(command, ReferForAssessment):
        data["team"] = [TeamMember.of(**member) for member in data["team"]]
    return dated(model.of(**data), day, command.occurred_at, field)


def evolve(state: Participant, event: Event) -> Intake:
    """The intake after one of its events."""
    stage, field = STAGES[type(event)]
    day: date = getattr(event, field)
    if isinstance(event, ScreeningRecorded):
        return Intake(stay_of(state), stage, event.risk, day)
    if state.intake is None:
        raise ValueError(f"{event.TYPE} before ScreeningRecorded")
    return replace(state.intake, stage=stage, last_on=day)


def _follows(intake: Intake | None, name: str, follows: frozenset[str], field: str) -> None:
    if intake is None:
        raise rule(f"{name} needs a screening in the current stay: none recorded", field)
    if intake.stage not in follows:
        wanted = " or ".join(sorted(follows))
        raise rule(f"{name} follows an intake that is {wanted}: this stay's is "
                   f"{intake.stage}", field)
    if name == "ReferForAssessment" and intake.risk == "low":
        raise rule("a referral follows a moderate or high risk screening: this stay's "
                   "screening was low risk (drug education only)", field)


def _placed_in(program: ProgramTrack | None, track: str) -> None:
    if program is None:
        raise rule("program not found in this prison", "program_id")
    if program.closed:
        raise rule("program is closed", "program_id")
    if program.track is not None and program.track != track:
        raise rule(f"program is of track {program.track}, not {track}", "program_id")
