"""The programs service's commands, as the kernel's executor runs them: one row each.

Read-your-writes. A decision that depends on another aggregate (the agreement a program is
launched under, the participant being enrolled, the program an assessment names) reads that
aggregate straight from the event log, fresh, at command time, on every attempt: never from a
projection and never from a cache. The agreements service replies only after JetStream has
acknowledged the append, and an acknowledged event is stored, so a `LaunchProgram` sent right
after the `SignAgreement` reply sees the agreement, and an extension, amendment or termination
is respected by the very next command. The aggregate being written may come from the cache:
if it is stale, the server's per-aggregate sequence check refuses the append and the executor
decides again on the fresh history.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from services.programs.commands import (
    CloseProgram,
    CompleteParticipant,
    EnrollParticipant,
    LaunchProgram,
    RecordAssessment,
    RecordReadmission,
    RecordRelease,
    RegisterParticipant,
    WithdrawParticipant,
)
from services.programs.commands_custody import RecordDeath, RecordTransfer, RevokeParole
from services.programs.domain import (
    agreement_view,
    enrolments,
    intake,
    participant,
    prison,
    program,
    urine,
)
from services.programs.intake_commands import INTAKE_COMMANDS, DecidePlacement
from services.programs.phase_commands import AdvancePhase
from services.programs.prison_commands import AssignKanwil, SetQuota
from services.programs.urine_commands import RecordUrineTest, ResolveViolation
from shared import prisons
from shared.envelope import NewEvent
from shared.executor import Command, Reads, Table, business_date


def decide_program(state: program.Program | None, command: program.Command, now: datetime,
                   **facts: Any) -> list[NewEvent]:
    return program.decide(state, command, business_date(now), **facts)


def decide_participant(state: participant.Participant | None, command: participant.Command,
                       now: datetime, **facts: Any) -> list[NewEvent]:
    return participant.decide(state, command, business_date(now), **facts)


def decide_prison(state: prison.Prison | None, command: prison.Command, now: datetime
                  ) -> list[NewEvent]:
    return prison.decide(state, command, business_date(now))


def _prison(model: type) -> Command:
    """A region's command on the subject's prison's own aggregate (no id in the body)."""
    return Command(model, prisons.AGGREGATE, "", prison.evolve, decide_prison,
                   derive_id=prisons.aggregate_id, region=True)


def _program(model: type, **options: Any) -> Command:
    return Command(model, "program", "program_id", program.evolve, decide_program, **options)


def _participant(model: type, **options: Any) -> Command:
    return Command(model, "participant", "participant_id", participant.evolve,
                   decide_participant, **options)


TABLE: Table = {
    "LaunchProgram": _program(LaunchProgram, creates=True, reads=(
        Reads("agreement", "agreement", "agreement_id", agreement_view.evolve),)),
    "EnrollParticipant": _program(EnrollParticipant, reads=(
        Reads("participant", "participant", "participant_id", participant.evolve),)),
    "WithdrawParticipant": _program(WithdrawParticipant),
    "CompleteParticipant": _program(CompleteParticipant),
    "CloseProgram": _program(CloseProgram),
    "AdvancePhase": _program(AdvancePhase),
    "RegisterParticipant": _participant(RegisterParticipant),
    # Only who was ever enrolled in the program it names: see domain/enrolments.py.
    "RecordAssessment": _participant(RecordAssessment, reads=(
        Reads("program", "program", "program_id", enrolments.evolve),)),
    "RecordRelease": _participant(RecordRelease),
    "RecordReadmission": _participant(RecordReadmission),
    # Each member's enrolment spans: a test names a program the participant is in that day.
    "RecordUrineTest": _participant(RecordUrineTest, reads=(
        Reads("memberships", "program", "program_id", urine.memberships),)),
    "ResolveViolation": _participant(ResolveViolation),
    # The intake pipeline (domain/intake.py); a placement reads the program it names.
    **{model.__name__: _participant(model, reads=(
        Reads("placement_program", "program", "program_id", intake.program_evolve),)
        if model is DecidePlacement else ()) for model in INTAKE_COMMANDS},
    "RecordTransfer": _participant(RecordTransfer, prison=True),
    "RevokeParole": _participant(RevokeParole),
    "RecordDeath": _participant(RecordDeath),
    "AssignKanwil": _prison(AssignKanwil),
    "SetQuota": _prison(SetQuota),
}
COMMANDS = {name: row.model for name, row in TABLE.items() if row.public}
