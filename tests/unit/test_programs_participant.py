"""Programs domain, participant aggregate: registration, assessments, release and readmission.

A participant is a pseudonym only; the path admission → release → readmission is the recidivism
signal the evaluation report counts.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from services.programs.commands import (
    RecordAssessment,
    RecordReadmission,
    RecordRelease,
    RegisterParticipant,
)
from services.programs.domain import enrolments, participant
from services.programs.domain.participant import Participant
from services.programs.handlers import COMMANDS
from shared.contract.events import Fact, decode
from shared.errors import Rejected

PROGRAM = "5b0e7c3a-9d21-4f68-8a4e-2c71d9f03b16"
OTHER_PROGRAM = "e1d0c9b8-a7f6-4e5d-8c4b-3a2918070605"
ALIF = "0c4f9b1e-6a3d-4e27-b8f5-91d2a6c7e304"
TODAY = date(2025, 12, 8)


def env(kind: str, aggregate_id: str, data: dict[str, Any]) -> Fact:
    day = next((v for k, v in data.items() if k.endswith("_on")), "2025-03-03")
    return decode({"type": kind, "aggregate_id": aggregate_id, "data": data,
                   "occurred_at": f"{day}T00:00:00+07:00"})


def step(state: Participant | None, command: BaseModel, today: date = TODAY,
         **facts: Any) -> Participant:
    events = participant.decide(state, command, today, **facts)
    assert len(events) == 1
    assert json.loads(json.dumps(events[0].data)) == events[0].data
    return participant.evolve(state, env(events[0].type, command.participant_id, events[0].data))


def reject(fragment: str, state: Participant | None, command: BaseModel, today: date = TODAY,
           code: str = "rule", **facts: Any) -> Rejected:
    with pytest.raises(Rejected) as caught:
        participant.decide(state, command, today, **facts)
    assert caught.value.code == code
    assert fragment in caught.value.message
    return caught.value


def register(admitted_on: str = "2024-06-10") -> RegisterParticipant:
    return RegisterParticipant(participant_id=ALIF, case_type="narcotics_user",
                               admitted_on=admitted_on)


def inmate() -> Participant:
    return step(None, register())


def release(on: str = "2025-12-08", release_type: str = "parole") -> RecordRelease:
    return RecordRelease(participant_id=ALIF, released_on=on, release_type=release_type)


def readmit(on: str = "2026-05-04") -> RecordReadmission:
    return RecordReadmission(participant_id=ALIF, readmitted_on=on)


def assess(**changes: Any) -> RecordAssessment:
    data = {"participant_id": ALIF, "instrument": "ASSIST", "phase": "intake", "score": 27,
            "assessed_on": "2025-03-03", "program_id": PROGRAM}
    return RecordAssessment(**{**data, **changes})


def cohort(*members: str) -> enrolments.Enrolments:
    """The program fact, folded from its events as the handler would read them."""
    state = enrolments.evolve(None, env("ProgramLaunched", PROGRAM, {
        "agreement_id": "8a41d2c6-1e7f-4b95-a0d3-c62f9e58b714", "name": "Rehabilitasi 2025",
        "cohort": "2025", "activities": ["counseling"], "starts_on": "2025-03-03",
        "ends_on": "2025-12-08", "capacity": 20}))
    for pid in members:
        state = enrolments.evolve(state, env("ParticipantEnrolled", PROGRAM,
                                             {"participant_id": pid, "enrolled_on": "2025-03-03"}))
        state = enrolments.evolve(state, env("ParticipantWithdrawn", PROGRAM, {
            "participant_id": pid, "withdrawn_on": "2025-04-01", "reason": "health",
            "note": None}))
    return state


# --- command validation -------------------------------------------------------------------

@pytest.mark.parametrize(
    ("name", "changes", "field"),
    [
        ("RegisterParticipant", {"case_type": "theft"}, "case_type"),
        ("RegisterParticipant", {"participant_id": "WBP-0012"}, "participant_id"),
        ("RegisterParticipant", {"admitted_on": "2024-6-10"}, "admitted_on"),
        ("RecordAssessment", {"instrument": "BDI"}, "instrument"),
        ("RecordAssessment", {"phase": "pre"}, "phase"),
        ("RecordAssessment", {"score": "27"}, "score"),
        ("RecordAssessment", {"score": True}, "score"),
        ("RecordAssessment", {"score": float("nan")}, "score"),
        ("RecordAssessment", {"score": float("inf")}, "score"),
        ("RecordAssessment", {"program_id": "program-2025"}, "program_id"),
        ("RecordRelease", {"release_type": "escape"}, "release_type"),
        ("RecordReadmission", {"readmitted_on": None}, "readmitted_on"),
    ],
)
def test_participant_field_errors_name_the_field(name: str, changes: dict, field: str) -> None:
    base = {"RegisterParticipant": register(), "RecordAssessment": assess(),
            "RecordRelease": release(), "RecordReadmission": readmit()}[name]
    with pytest.raises(ValidationError) as caught:
        COMMANDS[name].model_validate(base.model_dump(mode="json") | changes)
    assert field in {".".join(map(str, e["loc"])) for e in caught.value.errors()}


def test_scores_in_their_instruments_range_and_program_is_optional() -> None:
    assert assess(score=0).score == 0.0 and assess(score=39).score == 39.0
    assert assess(instrument="URICA", score=-1.5).score == -1.5
    data = assess().model_dump(mode="json")
    del data["program_id"]
    assert RecordAssessment(**data).program_id is None


# --- ParticipantRegistered ----------------------------------------------------------------

def test_register_writes_participant_registered() -> None:
    [event] = participant.decide(None, register(), TODAY)
    assert (event.type, event.occurred_at) == ("ParticipantRegistered",
                                               "2024-06-10T00:00:00+07:00")
    assert event.data == {"case_type": "narcotics_user", "admitted_on": "2024-06-10"}
    state = inmate()
    assert state.in_custody and state.custody_since == state.admitted_on == date(2024, 6, 10)


def test_register_rules() -> None:
    error = reject("already registered", inmate(), register())
    assert error.details[0].field == "participant_id"
    error = reject("admitted_on must not be in the future", None, register("2025-12-09"))
    assert error.details[0].field == "admitted_on"


@pytest.mark.parametrize("command", [assess(), release(), readmit()])
def test_nothing_on_an_unknown_participant(command: BaseModel) -> None:
    reject(f"participant {ALIF} not found", None, command, code="not_found")


# --- AssessmentRecorded -------------------------------------------------------------------

def test_assessment_for_a_program_the_participant_was_enrolled_in() -> None:
    # Withdrawn since: an exit or follow-up score for the program still belongs to it.
    [event] = participant.decide(inmate(), assess(), TODAY, program=cohort(ALIF))
    assert (event.type, event.occurred_at) == ("AssessmentRecorded", "2025-03-03T00:00:00+07:00")
    assert event.data == {"instrument": "ASSIST", "phase": "intake", "score": 27.0,
                          "assessed_on": "2025-03-03", "program_id": PROGRAM,
                          "assessor_role": None}
    assert event.schema_version == 2
    assert step(inmate(), assess(), program=cohort(ALIF)) == inmate()


def test_assessment_without_a_program_and_after_release() -> None:
    [event] = participant.decide(inmate(), assess(program_id=None), TODAY)
    assert event.data["program_id"] is None
    out = step(inmate(), release("2025-12-01"))
    follow_up = assess(phase="follow_up", instrument="urine_test", score=0,
                       assessed_on="2025-12-08")
    assert participant.decide(out, follow_up, TODAY, program=cohort(ALIF))


@pytest.mark.parametrize(
    ("command", "fact", "fragment", "field"),
    [
        (assess(assessed_on="2025-12-09"), cohort(ALIF), "assessed_on must not be in the future",
         "assessed_on"),
        (assess(assessed_on="2024-06-09"), cohort(ALIF),
         "assessed_on must not be before admitted_on (2024-06-10)", "assessed_on"),
        (assess(), None, "program not found in this prison", "program_id"),
        (assess(), cohort(), "participant was never enrolled in this program", "program_id"),
        (assess(program_id=OTHER_PROGRAM), None, "program not found in this prison",
         "program_id"),
    ],
)
def test_assessment_rules(command: RecordAssessment, fact: Any, fragment: str,
                          field: str) -> None:
    error = reject(fragment, inmate(), command, program=fact)
    assert error.details[0].field == field


# --- ParticipantReleased and ParticipantReadmitted ----------------------------------------

def test_release_and_readmission_round_trip() -> None:
    [event] = participant.decide(inmate(), release(), TODAY)
    assert (event.type, event.data) == ("ParticipantReleased",
                                        {"released_on": "2025-12-08", "release_type": "parole",
                                         "conditional": True})
    out = step(inmate(), release())
    assert not out.in_custody and out.released_on == TODAY and out.releases == 1
    [event] = participant.decide(out, readmit(), date(2026, 5, 4))
    assert (event.type, event.data) == ("ParticipantReadmitted", {"readmitted_on": "2026-05-04"})
    back = step(out, readmit(), date(2026, 5, 4))
    assert back.in_custody and back.custody_since == date(2026, 5, 4) and back.readmissions == 1
    again = step(back, release("2027-01-02", "expiration"), date(2027, 1, 2))
    assert again.releases == 2 and again.released_on == date(2027, 1, 2)


def test_readmission_on_the_day_of_release_is_allowed() -> None:
    assert step(step(inmate(), release()), readmit("2025-12-08")).in_custody


@pytest.mark.parametrize(
    ("state", "command", "today", "fragment", "field"),
    [
        (lambda: step(inmate(), release()), release("2025-12-08"), TODAY,
         "not in custody: already released on 2025-12-08", "released_on"),
        (inmate, release("2024-06-09"), TODAY,
         "released_on must not be before admitted_on (2024-06-10)", "released_on"),
        (inmate, release("2025-12-09"), TODAY, "released_on must not be in the future",
         "released_on"),
        (lambda: step(step(inmate(), release()), readmit(), date(2026, 5, 4)),
         release("2026-05-03"), date(2026, 6, 1),
         "released_on must not be before the last readmission (2026-05-04)", "released_on"),
        (inmate, readmit(), date(2026, 5, 4),
         "a readmission follows a release: participant is in custody", "readmitted_on"),
        (lambda: step(inmate(), release()), readmit("2025-12-07"), TODAY,
         "readmitted_on must not be before the last release (2025-12-08)", "readmitted_on"),
        (lambda: step(inmate(), release()), readmit("2026-05-04"), date(2026, 5, 3),
         "readmitted_on must not be in the future", "readmitted_on"),
        (inmate, RecordRelease(participant_id=ALIF, released_on="2025-12-08",
                               release_type="expiration", occurred_at="2025-12-07T23:00:00+07:00"),
         TODAY, "occurred_at must fall on released_on (2025-12-08) in WIB", "occurred_at"),
    ],
)
def test_release_and_readmission_rules(state: Any, command: BaseModel, today: date,
                                       fragment: str, field: str) -> None:
    error = reject(fragment, state(), command, today)
    assert error.details[0].field == field


def test_participant_evolve_refuses_what_it_does_not_understand() -> None:
    with pytest.raises(ValueError, match="before ParticipantRegistered"):
        participant.evolve(None, env("ParticipantReleased", ALIF, {}))
    with pytest.raises(ValueError, match="unknown participant event type"):
        participant.evolve(inmate(), env("ParticipantRenamed", ALIF, {}))
