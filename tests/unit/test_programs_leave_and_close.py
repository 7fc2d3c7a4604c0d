"""Programs domain: ParticipantWithdrawn and ParticipantCompleted, ProgramClosed."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from services.programs.commands import (
    EnrollParticipant,
)
from services.programs.domain import program
from services.programs.domain.program import Program
from tests.unit.programs_domain import (
    ALIF,
    BAYU,
    CAKRA,
    PROGRAM,
    TODAY,
    close,
    complete,
    enroll,
    env,
    inmate,
    launched,
    reject,
    step,
    withdraw,
)

# --- ParticipantWithdrawn and ParticipantCompleted ----------------------------------------

def test_withdraw_writes_participant_withdrawn() -> None:
    [event] = program.decide(enroll(launched()), withdraw(), TODAY)
    assert (event.type, event.occurred_at) == ("ParticipantWithdrawn", "2025-06-02T00:00:00+07:00")
    assert event.data == {"participant_id": ALIF, "withdrawn_on": "2025-06-02",
                          "reason": "discipline", "note": None}
    state = step(program.decide, program.evolve, enroll(launched()), withdraw())
    assert state.members[ALIF].status == "withdrawn" and state.active == 0


def test_complete_writes_participant_completed() -> None:
    [event] = program.decide(enroll(launched()), complete(), TODAY)
    assert event.type == "ParticipantCompleted"
    assert event.data == {"participant_id": ALIF, "completed_on": "2025-12-08"}
    state = step(program.decide, program.evolve, enroll(launched()), complete())
    assert state.members[ALIF].status == "completed" and ALIF in state.members


@pytest.mark.parametrize(("make", "field"), [
    (lambda on: withdraw(on=on), "withdrawn_on"), (lambda on: complete(on=on), "completed_on")])
def test_leaving_rules(make: Any, field: str) -> None:
    reject("participant is not active in this program", launched(), make("2025-06-02"))
    out = step(program.decide, program.evolve, enroll(launched()), withdraw(on="2025-05-01"))
    reject("participant is not active in this program", out, make("2025-06-02"))
    error = reject(f"{field} must not be before enrolled_on (2025-03-03)", enroll(launched()),
                   make("2025-03-02"))
    assert error.details[0].field == field
    reject(f"{field} must not be in the future", enroll(launched()), make("2025-06-03"),
           date(2025, 6, 2))



# --- ProgramClosed ------------------------------------------------------------------------

def graduated() -> Program:
    """The 2025 programme: everybody enrolled, everybody graduated on 8 December."""
    state = launched()
    for pid in (ALIF, BAYU, CAKRA):
        state = enroll(state, pid)
    for pid in (ALIF, BAYU, CAKRA):
        state = step(program.decide, program.evolve, state, complete(pid))
    return state


def test_close_writes_program_closed_once_all_graduated() -> None:
    [event] = program.decide(graduated(), close(), TODAY)
    assert (event.type, event.data) == ("ProgramClosed", {"closed_on": "2025-12-08"})
    assert step(program.decide, program.evolve, graduated(), close()).closed_on == TODAY


@pytest.mark.parametrize(
    ("state", "on", "today", "fragment"),
    [
        (launched, "2025-03-02", TODAY, "closed_on must not be before starts_on (2025-03-03)"),
        (launched, "2025-12-09", TODAY, "closed_on must not be in the future"),
        (lambda: enroll(launched()), "2025-12-08", TODAY,
         "1 participants are still active: complete or withdraw them before closing"),
        (graduated, "2025-12-07", TODAY, "must not be before the program's last enrolment, "
         "completion or withdrawal (2025-12-08)"),
    ],
)
def test_close_rules(state: Any, on: str, today: date, fragment: str) -> None:
    error = reject(fragment, state(), close(on), today)
    assert error.details[0].field == "closed_on"


@pytest.mark.parametrize("make", [
    close, complete, withdraw,
    lambda: EnrollParticipant(program_id=PROGRAM, participant_id=ALIF, enrolled_on="2025-12-08")])
def test_nothing_accepted_after_closing(make: Any) -> None:
    done = step(program.decide, program.evolve, graduated(), close())
    reject("program is closed: nothing is accepted after closing", done, make(),
           participant=inmate())


def test_program_evolve_refuses_what_it_does_not_understand() -> None:
    with pytest.raises(ValueError, match="before ProgramLaunched"):
        program.evolve(None, env("ProgramClosed", PROGRAM, {"closed_on": "2025-12-08"}))
    with pytest.raises(ValueError, match="unknown program event type"):
        program.evolve(launched(), env("ProgramPaused", PROGRAM, {}))
