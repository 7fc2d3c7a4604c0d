"""Programs domain: AdvancePhase → PhaseAdvanced, each participant's own phase (issue 13)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from services.programs.commands import AdvancePhase
from services.programs.domain import program
from services.programs.domain.program import Program
from tests.unit.programs_domain import (
    ALIF,
    BAYU,
    PROGRAM,
    close,
    complete,
    enroll,
    invalid_fields,
    launched,
    reject,
    step,
    withdraw,
)

TC = [{"name": "induction", "days": 30}, {"name": "primary", "days": 120},
      {"name": "re_entry", "days": 30}]


def advance(pid: str = ALIF, phase: str = "primary", on: str = "2025-04-02",
            **more: Any) -> AdvancePhase:
    return AdvancePhase(program_id=PROGRAM, participant_id=pid, phase=phase, advanced_on=on,
                        **more)


def planned(**changes: Any) -> Program:
    return launched(**{"track": "social", "planned_days": 180, "phases": TC, **changes})


def moved(state: Program, command: AdvancePhase) -> Program:
    return step(program.decide, program.evolve, state, command)


def test_a_participant_starts_in_the_first_phase_and_advances_alone() -> None:
    state = enroll(enroll(planned()), BAYU)
    assert (state.members[ALIF].phase, state.members[ALIF].phase_since) == (
        "induction", date(2025, 3, 3))
    [event] = program.decide(state, advance(), date(2025, 12, 8))
    assert (event.type, event.schema_version) == ("PhaseAdvanced", 1)
    assert event.data == {"participant_id": ALIF, "phase": "primary",
                          "advanced_on": "2025-04-02"}
    assert event.occurred_at == "2025-04-02T00:00:00+07:00"
    state = moved(state, advance())
    assert (state.members[ALIF].phase, state.members[ALIF].phase_since) == (
        "primary", date(2025, 4, 2))
    assert state.members[BAYU].phase == "induction"  # the phase is individual


def test_a_phase_may_be_skipped_and_the_last_one_reached() -> None:
    state = moved(enroll(planned()), advance(phase="re_entry"))
    assert state.members[ALIF].phase == "re_entry"


def test_a_program_without_a_plan_has_no_phase() -> None:
    state = enroll(launched())
    assert state.members[ALIF].phase is None
    error = reject("the program has no phase plan", state, advance())
    assert error.details[0].field == "phase"


def test_a_re_enrolment_starts_again_in_the_first_phase() -> None:
    state = moved(enroll(planned()), advance())
    state = step(program.decide, program.evolve, state, withdraw(on="2025-05-02"))
    assert state.members[ALIF].phase == "primary"  # kept after leaving, as the roster shows
    state = enroll(state, on="2025-06-02")
    assert (state.members[ALIF].phase, state.members[ALIF].phase_since) == (
        "induction", date(2025, 6, 2))


@pytest.mark.parametrize(("state", "command", "fragment", "field"), [
    (lambda: planned(), advance(), "participant is not active in this program",
     "participant_id"),
    (lambda: step(program.decide, program.evolve, enroll(planned()), complete()), advance(),
     "participant is not active in this program", "participant_id"),
    (lambda: enroll(planned(phases=TC[:2])), advance(phase="re_entry"),
     "phase re_entry is not in the program's plan (induction, primary)", "phase"),
    (lambda: enroll(planned()), advance(phase="induction"),
     "later in the plan (induction, primary, re_entry) than the participant's current phase "
     "(induction)", "phase"),
    (lambda: moved(enroll(planned()), advance(phase="re_entry")), advance(phase="primary"),
     "than the participant's current phase (re_entry)", "phase"),
    (lambda: enroll(planned()), advance(on="2025-12-09"), "advanced_on must not be in the future",
     "advanced_on"),
    (lambda: enroll(planned(ends_on="2025-09-30")), advance(on="2025-10-01"),
     "advanced_on must be within the program's term 2025-03-03 to 2025-09-30", "advanced_on"),
    (lambda: enroll(planned(), on="2025-04-10"), advance(on="2025-04-09"),
     "advanced_on must not be before the enrolment or the last advance (2025-04-10)",
     "advanced_on"),
    (lambda: moved(enroll(planned()), advance(on="2025-05-05")),
     advance(phase="re_entry", on="2025-05-04"),
     "must not be before the enrolment or the last advance (2025-05-05)", "advanced_on"),
    (lambda: moved(enroll(planned()), advance(
        on="2025-05-05", occurred_at="2025-05-05T10:00:00+07:00")),
     advance(phase="re_entry", on="2025-05-05", occurred_at="2025-05-05T09:00:00+07:00"),
     "must not be before the enrolment's or the last advance's occurred_at", "occurred_at"),
    (lambda: enroll(planned()), advance(occurred_at="2025-04-03T09:00:00+07:00"),
     "occurred_at must fall on advanced_on", "occurred_at"),
])
def test_advance_rules(state: Any, command: AdvancePhase, fragment: str, field: str) -> None:
    error = reject(fragment, state(), command)
    assert error.details[0].field == field


def test_a_closed_or_unknown_program_refuses_an_advance() -> None:
    reject("program", None, advance(), code="not_found")
    state = step(program.decide, program.evolve, enroll(planned()), complete(on="2025-09-01"))
    state = step(program.decide, program.evolve, state, close(on="2025-09-01"))
    reject("program is closed", state, advance())


@pytest.mark.parametrize(("changes", "fields"), [
    ({"phase": "detox"}, ["phase"]),
    ({"advanced_on": "2025-04-02T00:00:00"}, ["advanced_on"]),
    ({"participant_id": "budi"}, ["participant_id"]),
    ({"nik": "3510012304870001"}, ["nik"]),
])
def test_a_malformed_advance_is_invalid(changes: dict[str, Any], fields: list[str]) -> None:
    data = {"program_id": PROGRAM, "participant_id": ALIF, "phase": "primary",
            "advanced_on": "2025-04-02", **changes}
    assert invalid_fields("AdvancePhase", data) == fields
