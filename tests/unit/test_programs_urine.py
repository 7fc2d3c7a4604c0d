"""Programs domain, participant aggregate: urine tests and the violations a positive opens
(docs/pathway.md section 3), every rule and refusal on the pure `decide` / `evolve`."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from services.programs.domain import participant, urine
from services.programs.domain.participant import Participant
from services.programs.urine_commands import RecordUrineTest, ResolveViolation
from tests.unit.test_programs_participant import (
    ALIF,
    PROGRAM,
    TODAY,
    env,
    inmate,
    readmit,
    reject,
    release,
    step,
)

TEST = "7d3c2b1a-0f9e-4d8c-b7a6-958473625140"
OTHER_TEST = "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"
BUDI = "3e9a1c7f-2b4d-4f60-9a8e-7c5d3b1f0e26"


def urine_test(**changes: Any) -> RecordUrineTest:
    data = {"participant_id": ALIF, "test_id": TEST, "tested_on": "2025-04-07",
            "kind": "scheduled", "point": "start", "panel": ["methamphetamine", "cannabis"],
            "results": {"cannabis": "negative", "methamphetamine": "positive"},
            "witnessed": True, "program_id": PROGRAM}
    return RecordUrineTest(**{**data, **changes})


def resolve(**changes: Any) -> ResolveViolation:
    data = {"participant_id": ALIF, "test_id": TEST, "resolved_on": "2025-04-10",
            "outcome": "sanctioned", "note": "Sidang TPP"}
    return ResolveViolation(**{**data, **changes})


def program(*spans: tuple[str, str, str | None]) -> urine.Spans:
    """The program the test names, folded from its events: (who, enrolled_on, left_on)."""
    state = urine.memberships(None, env("ProgramLaunched", PROGRAM, {
        "agreement_id": "8a41d2c6-1e7f-4b95-a0d3-c62f9e58b714", "name": "Rehabilitasi 2025",
        "cohort": "2025", "activities": ["counseling"], "starts_on": "2025-03-03",
        "ends_on": "2025-12-08", "capacity": 20}))
    for who, enrolled_on, left_on in spans:
        state = urine.memberships(state, env("ParticipantEnrolled", PROGRAM,
                                             {"participant_id": who, "enrolled_on": enrolled_on}))
        if left_on is not None:
            state = urine.memberships(state, env("ParticipantWithdrawn", PROGRAM, {
                "participant_id": who, "withdrawn_on": left_on, "reason": "health",
                "note": None}))
    return state


MEMBER = program((ALIF, "2025-03-03", None))


def with_test(state: Participant | None = None, **changes: Any) -> Participant:
    return step(state or inmate(), urine_test(**changes), memberships=MEMBER)


# --- command validation (invalid) ---------------------------------------------------------

@pytest.mark.parametrize(("changes", "field"), [
    ({"panel": []}, "panel"),
    ({"panel": ["cannabis", "cannabis"]}, "panel"),
    ({"panel": ["heroin"]}, "panel.0"),
    ({"results": {"cannabis": "unclear"}}, "results.cannabis"),
    ({"kind": "surprise"}, "kind"),
    ({"point": "mid"}, "point"),
    ({"witnessed": "yes"}, "witnessed"),
    ({"test_id": "T-1"}, "test_id"),
    ({"tested_on": "7/4/2025"}, "tested_on"),
])
def test_urine_test_field_errors_name_the_field(changes: dict, field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        RecordUrineTest.model_validate(urine_test().model_dump(mode="json") | changes)
    assert field in {".".join(map(str, e["loc"])) for e in caught.value.errors()}


def test_resolve_field_errors_and_optional_fields() -> None:
    with pytest.raises(ValidationError) as caught:
        ResolveViolation.model_validate(resolve().model_dump(mode="json") | {"outcome": "fine"})
    assert [e["loc"] for e in caught.value.errors()] == [("outcome",)]
    assert resolve(note="  ").note is None
    data = urine_test().model_dump(mode="json")
    del data["point"], data["program_id"]
    assert RecordUrineTest(**data).point is None and RecordUrineTest(**data).program_id is None


# --- UrineTestRecorded --------------------------------------------------------------------

def test_a_positive_test_is_recorded_and_opens_its_violation() -> None:
    [event] = participant.decide(inmate(), urine_test(), TODAY, memberships=MEMBER)
    assert (event.type, event.occurred_at) == ("UrineTestRecorded", "2025-04-07T00:00:00+07:00")
    # Panel and results in the contract's substance order, whatever order they were sent in.
    assert event.data == {
        "test_id": TEST, "tested_on": "2025-04-07", "kind": "scheduled", "point": "start",
        "panel": ["methamphetamine", "cannabis"],
        "results": {"methamphetamine": "positive", "cannabis": "negative"},
        "witnessed": True, "program_id": PROGRAM}
    state = with_test()
    assert state.urine.open == {TEST} and TEST in state.urine.tested


@pytest.mark.parametrize("results", [{"cannabis": "negative", "methamphetamine": "negative"},
                                     {"cannabis": "invalid", "methamphetamine": "negative"}])
def test_no_positive_opens_no_violation(results: dict) -> None:
    state = with_test(results=results)
    assert state.urine.open == frozenset() and TEST in state.urine.tested
    reject("no open violation for this test", state, resolve())


def test_random_without_point_and_without_program() -> None:
    state = step(inmate(), urine_test(kind="random", point=None, program_id=None))
    assert state.urine.open == {TEST}
    # A scheduled test may leave its point out.
    [event] = participant.decide(inmate(), urine_test(point=None), TODAY, memberships=MEMBER)
    assert event.data["point"] is None


def test_a_test_on_the_day_the_participant_left_the_program_names_it() -> None:
    left = program((ALIF, "2025-03-03", "2025-04-07"))
    assert participant.decide(inmate(), urine_test(), TODAY, memberships=left)


@pytest.mark.parametrize(("command", "fact", "fragment", "field"), [
    (urine_test(tested_on="2025-12-09"), MEMBER, "tested_on must not be in the future",
     "tested_on"),
    (urine_test(tested_on="2024-06-09"), MEMBER,
     "tested_on must not be before admitted_on (2024-06-10)", "tested_on"),
    (urine_test(results={"cannabis": "negative"}), MEMBER,
     "missing ['methamphetamine'], not in the panel []", "results"),
    (urine_test(results={"cannabis": "negative", "methamphetamine": "positive",
                         "mdma": "negative"}), MEMBER,
     "missing [], not in the panel ['mdma']", "results"),
    (urine_test(kind="random"), MEMBER, "point is only for a scheduled test", "point"),
    (urine_test(), None, "program not found in this prison", "program_id"),
    (urine_test(), program((BUDI, "2025-03-03", None)),
     "participant is not enrolled in this program on tested_on", "program_id"),
    (urine_test(), program((ALIF, "2025-04-08", None)),
     "participant is not enrolled in this program on tested_on", "program_id"),
    (urine_test(), program((ALIF, "2025-03-03", "2025-04-06")),
     "participant is not enrolled in this program on tested_on", "program_id"),
])
def test_urine_test_rules(command: RecordUrineTest, fact: Any, fragment: str,
                          field: str) -> None:
    error = reject(fragment, inmate(), command, memberships=fact)
    assert error.details[0].field == field


def test_a_test_id_is_used_once_per_participant() -> None:
    error = reject("test_id is already a test of this participant", with_test(),
                   urine_test(tested_on="2025-05-05"), memberships=MEMBER)
    assert error.details[0].field == "test_id"


def test_only_in_custody_and_from_the_current_stay() -> None:
    out = step(with_test(), release("2025-06-01"))
    error = reject("participant is not in custody", out,
                   urine_test(test_id=OTHER_TEST, tested_on="2025-06-02"), memberships=MEMBER)
    assert error.details[0].field == "tested_on"
    back = step(out, readmit("2025-09-01"))
    reject("tested_on must not be before the last readmission (2025-09-01)", back,
           urine_test(test_id=OTHER_TEST, program_id=None, tested_on="2025-08-31"))
    # The violation opened in the earlier stay is still open; the new test is recorded.
    again = step(back, urine_test(test_id=OTHER_TEST, program_id=None, tested_on="2025-09-02"))
    assert again.urine.open == {TEST, OTHER_TEST}


def test_nothing_on_an_unknown_participant() -> None:
    for command in (urine_test(), resolve()):
        reject(f"participant {ALIF} not found", None, command, code="not_found")


# --- ViolationResolved --------------------------------------------------------------------

def test_resolve_closes_the_violation_once() -> None:
    [event] = participant.decide(with_test(), resolve(), TODAY)
    assert (event.type, event.occurred_at) == ("ViolationResolved", "2025-04-10T00:00:00+07:00")
    assert event.data == {"test_id": TEST, "resolved_on": "2025-04-10",
                          "outcome": "sanctioned", "note": "Sidang TPP"}
    state = step(with_test(), resolve())
    assert state.urine.open == frozenset() and TEST in state.urine.tested
    error = reject("no open violation for this test", state, resolve(outcome="dismissed"))
    assert error.details[0].field == "test_id"


def test_resolve_after_release_on_the_test_day() -> None:
    out = step(with_test(), release("2025-06-01"))
    assert step(out, resolve(resolved_on="2025-04-07", outcome="explained")).urine.open == set()


@pytest.mark.parametrize(("command", "fragment", "field"), [
    (resolve(test_id=OTHER_TEST), "test_id is not a test of this participant", "test_id"),
    (resolve(resolved_on="2025-04-06"), "resolved_on must not be before the test (2025-04-07)",
     "resolved_on"),
    (resolve(resolved_on="2025-12-09"), "resolved_on must not be in the future", "resolved_on"),
])
def test_resolve_rules(command: ResolveViolation, fragment: str, field: str) -> None:
    error = reject(fragment, with_test(), command)
    assert error.details[0].field == field
