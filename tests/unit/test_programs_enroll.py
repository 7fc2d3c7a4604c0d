"""Programs domain: ParticipantEnrolled."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from services.programs.commands import (
    EnrollParticipant,
    RecordReadmission,
    RecordRelease,
)
from services.programs.domain import participant, program
from services.programs.domain.participant import Participant
from tests.unit.programs_domain import (
    ALIF,
    BAYU,
    CAKRA,
    PROGRAM,
    TODAY,
    close,
    complete,
    enroll,
    inmate,
    launched,
    reject,
    step,
    withdraw,
)

# --- ParticipantEnrolled ------------------------------------------------------------------

def test_enroll_writes_participant_enrolled() -> None:
    command = EnrollParticipant(program_id=PROGRAM, participant_id=ALIF, enrolled_on="2025-03-03")
    [event] = program.decide(launched(), command, TODAY, participant=inmate())
    assert (event.type, event.occurred_at) == ("ParticipantEnrolled", "2025-03-03T00:00:00+07:00")
    assert event.data == {"participant_id": ALIF, "enrolled_on": "2025-03-03"}
    state = enroll(launched())
    assert state.is_active(ALIF) and state.active == 1 and ALIF in state.members


def released(pid: str = ALIF) -> Participant:
    command = RecordRelease(participant_id=pid, released_on="2025-02-01", release_type="parole")
    return step(participant.decide, participant.evolve, inmate(pid), command)


def readmitted(on: str = "2025-04-10") -> Participant:
    command = RecordReadmission(participant_id=ALIF, readmitted_on=on)
    return step(participant.decide, participant.evolve, released(), command)


@pytest.mark.parametrize(
    ("on", "fact", "today", "fragment", "field"),
    [
        ("2025-03-03", None, TODAY, "not registered in this prison", "participant_id"),
        ("2025-03-03", released(), TODAY, "participant is released: record a readmission",
         "participant_id"),
        ("2025-03-11", inmate(), date(2025, 3, 10), "enrolled_on must not be in the future",
         "enrolled_on"),
        ("2025-03-02", inmate(), TODAY, "within the program's term 2025-03-03 to 2025-12-08",
         "enrolled_on"),
        ("2025-12-09", inmate(), date(2025, 12, 9), "within the program's term", "enrolled_on"),
        ("2025-03-03", inmate(admitted_on="2025-03-04"), TODAY,
         "must not be before the participant's current admission (2025-03-04)", "enrolled_on"),
        ("2025-04-09", readmitted(), TODAY,
         "must not be before the participant's current admission (2025-04-10)", "enrolled_on"),
    ],
)
def test_enroll_rules(on: str, fact: Any, today: date, fragment: str, field: str) -> None:
    command = EnrollParticipant(program_id=PROGRAM, participant_id=ALIF, enrolled_on=on)
    error = reject(fragment, launched(), command, today, participant=fact)
    assert error.details[0].field == field


def test_enroll_after_readmission_is_fine() -> None:
    assert enroll(launched(), on="2025-04-10", participant=readmitted()).is_active(ALIF)


def test_enroll_only_once_while_active_and_never_after_completion() -> None:
    command = EnrollParticipant(program_id=PROGRAM, participant_id=ALIF, enrolled_on="2025-04-01")
    reject("already active in this program", enroll(launched()), command, participant=inmate())
    done = step(program.decide, program.evolve, enroll(launched()), complete(on="2025-06-01"))
    reject("already completed this program", done, command, participant=inmate())


def test_re_enrolment_after_withdrawal_is_allowed_but_not_backdated() -> None:
    out = step(program.decide, program.evolve, enroll(launched()), withdraw(on="2025-04-01"))
    assert not out.is_active(ALIF)
    reject("before the participant's withdrawal from this program (2025-04-01)", out,
           EnrollParticipant(program_id=PROGRAM, participant_id=ALIF, enrolled_on="2025-03-31"),
           participant=inmate())
    back = enroll(out, on="2025-04-01")
    assert back.is_active(ALIF) and back.members[ALIF].enrolled_on == date(2025, 4, 1)


def test_capacity_holds_and_a_withdrawal_frees_a_place() -> None:
    full = enroll(enroll(launched(capacity=2)), BAYU)
    command = EnrollParticipant(program_id=PROGRAM, participant_id=CAKRA, enrolled_on="2025-03-04")
    error = reject("program is full: 2 of 2 places are taken", full, command,
                   participant=inmate(CAKRA))
    assert error.details[0].field == "participant_id"
    freed = step(program.decide, program.evolve, full, withdraw(BAYU, "2025-03-04", "health"))
    assert enroll(freed, CAKRA, "2025-03-04").active == 2


def test_nothing_on_an_unknown_program() -> None:
    for command in (withdraw(), complete(), close(),
                    EnrollParticipant(program_id=PROGRAM, participant_id=ALIF,
                                      enrolled_on="2025-03-03")):
        reject(f"program {PROGRAM} not found", None, command, code="not_found")
