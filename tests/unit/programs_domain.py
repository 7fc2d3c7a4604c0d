"""Fixtures and helpers of the domain tests (split by command into test_*.py).

Programs domain: command validation, the agreement view, and every rule of the program
aggregate. (The participant aggregate's rules are in test_programs_participant.py.)

Data follows the Banyuwangi partnerships: Yayasan Gennesa first signed on 5 January 2023 and
extended on 19 February 2025; its 2025 programme of about 20 inmates closed on 8 December 2025
with all participants graduating.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from pydantic import BaseModel

from services.programs.commands import (
    CloseProgram,
    CompleteParticipant,
    EnrollParticipant,
    LaunchProgram,
    RegisterParticipant,
    WithdrawParticipant,
)
from services.programs.domain import agreement_view, participant, program
from services.programs.domain.agreement_view import AgreementView
from services.programs.domain.participant import Participant
from services.programs.domain.program import Program
from services.programs.handlers import COMMANDS
from shared.contract.events import Fact, decode, upcast
from shared.errors import Rejected
from tests.unit import refusals

GENNESA = "8a41d2c6-1e7f-4b95-a0d3-c62f9e58b714"


PROGRAM = "5b0e7c3a-9d21-4f68-8a4e-2c71d9f03b16"


ALIF = "0c4f9b1e-6a3d-4e27-b8f5-91d2a6c7e304"


BAYU = "d7a25e90-3b1c-4f86-9e0a-4c8b71f2d659"


CAKRA = "a93e1f47-c2d8-4b05-86f1-7e0d3b5a9c12"


TODAY = date(2025, 12, 8)


def env(kind: str, aggregate_id: str, data: dict[str, Any],
        occurred_at: str = "2025-03-03T00:00:00+07:00", schema_version: int = 1) -> Fact:
    """A stored event as a fold meets it: upcast to its type's current version, as the store
    reads it."""
    return decode(upcast({"type": kind, "schema_version": schema_version,
                          "aggregate_id": aggregate_id, "data": data,
                          "occurred_at": occurred_at}))


def gennesa(*more: tuple[str, dict[str, Any]]) -> AgreementView:
    state = agreement_view.evolve(None, env("AgreementSigned", GENNESA, {
        "services": ["counseling", "skills_training", "mental_guidance", "spiritual_guidance"],
        "effective_from": "2023-01-05", "effective_until": "2025-03-31", "signed_on": "2023-01-05",
    }))
    for kind, data in more:
        state = agreement_view.evolve(state, env(kind, GENNESA, data))
    return state


EXTENDED = ("AgreementExtended", {"signed_on": "2025-02-19", "effective_until": "2026-03-31"})


def step(decide: Any, evolve: Any, state: Any, command: BaseModel, today: date = TODAY,
         **facts: Any) -> Any:
    """decide, check the one event is JSON-ready, then evolve it: the round trip."""
    events = decide(state, command, today, **facts)
    assert len(events) == 1
    assert json.loads(json.dumps(events[0].data)) == events[0].data
    own = command.program_id if command.AGGREGATE == "program" else command.participant_id
    return evolve(state, env(events[0].type, own, events[0].data, events[0].occurred_at,
                             events[0].schema_version))


def reject(fragment: str, state: Any, command: BaseModel, today: date = TODAY,
           code: str = "rule", **facts: Any) -> Rejected:
    decide = program.decide if command.AGGREGATE == "program" else participant.decide
    return refusals.refused(code, fragment, decide, state, command, today, **facts)


def invalid_fields(name: str, data: Any) -> list[str]:
    return refusals.invalid_fields(COMMANDS, name, data)


def launch_data(**changes: Any) -> dict[str, Any]:
    data = {"program_id": PROGRAM, "agreement_id": GENNESA, "name": "Rehabilitasi Sosial 2025",
            "cohort": "2025", "activities": ["spiritual_guidance", "counseling"],
            "starts_on": "2025-03-03", "ends_on": "2025-12-08", "capacity": 20}
    return {**data, **changes}


def launched(**changes: Any) -> Program:
    return step(program.decide, program.evolve, None, LaunchProgram(**launch_data(**changes)),
                agreement=gennesa(EXTENDED))


def inmate(pid: str = ALIF, admitted_on: str = "2024-06-10") -> Participant:
    command = RegisterParticipant(participant_id=pid, case_type="narcotics_user",
                                  admitted_on=admitted_on)
    return step(participant.decide, participant.evolve, None, command)


def enroll(state: Program, pid: str = ALIF, on: str = "2025-03-03", **facts: Any) -> Program:
    facts.setdefault("participant", inmate(pid))
    command = EnrollParticipant(program_id=PROGRAM, participant_id=pid, enrolled_on=on)
    return step(program.decide, program.evolve, state, command, **facts)


def withdraw(pid: str = ALIF, on: str = "2025-06-02", reason: str = "discipline"):
    return WithdrawParticipant(program_id=PROGRAM, participant_id=pid, withdrawn_on=on,
                               reason=reason)


def complete(pid: str = ALIF, on: str = "2025-12-08"):
    return CompleteParticipant(program_id=PROGRAM, participant_id=pid, completed_on=on)


def close(on: str = "2025-12-08"):
    return CloseProgram(program_id=PROGRAM, closed_on=on)
