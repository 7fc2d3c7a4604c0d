"""Attendance domain: the program roster."""

from __future__ import annotations

import pytest

from services.attendance.domain import evolve_roster
from shared.contract.events import decode
from shared.envelope import date_instant
from tests.unit.attendance_domain import (
    ANDI,
    BUDI,
    CAHYO,
    DEDI,
    EKO,
    PROGRAM,
    at,
    closed,
    cohort,
    completed,
    enrolled,
    program_event,
    roster,
    withdrawn,
)

# --- the program roster ---------------------------------------------------------------------

def test_roster_reads_the_program() -> None:
    program = cohort()
    assert program.program_id == PROGRAM
    assert program.activities == ("counseling", "skills_training")
    assert program.starts_at == at("2025-03-03", "00:00")
    assert program.active_at(at("2025-03-03")) == {ANDI, BUDI, CAHYO}
    assert program.active_at(at("2025-03-02", "23:59")) == frozenset()


def test_same_day_boundaries_with_default_instants() -> None:
    program = cohort(enrolled(DEDI, "2025-03-10"), withdrawn(BUDI, "2025-03-10"),
                     completed(CAHYO, "2025-03-10"))
    # Enrolled on the 10th: attends the 10th. Withdrawn or completed on the 10th: does not.
    assert program.active_at(at("2025-03-10", "00:00")) == {ANDI, DEDI}
    assert program.active_at(at("2025-03-09", "23:59")) == {ANDI, BUDI, CAHYO}


def test_a_precise_completion_instant_keeps_the_afternoon_session() -> None:
    program = cohort(completed(CAHYO, "2025-08-29", "2025-08-29T17:00:00+07:00"))
    assert CAHYO in program.active_at(at("2025-08-29", "14:00"))
    assert CAHYO not in program.active_at(at("2025-08-29", "17:00"))


def test_re_enrolment_opens_a_new_span() -> None:
    program = cohort(withdrawn(BUDI, "2025-04-01"), enrolled(BUDI, "2025-05-01"))
    assert [BUDI in program.active_at(at(day)) for day in
            ("2025-03-31", "2025-04-01", "2025-04-30", "2025-05-01")] == [True, False, False, True]
    assert len(program.spans_of(BUDI)) == 2


def test_why_not_active() -> None:
    program = cohort(withdrawn(BUDI, "2025-04-01"), enrolled(DEDI, "2025-05-01"))
    t = at("2025-04-10")
    assert program.why_not_active(EKO, t) == "never enrolled in this program"
    assert "withdrawn or completed before" in program.why_not_active(BUDI, t)
    assert "only after held_at" in program.why_not_active(DEDI, t)


def test_roster_tolerates_redundant_and_unknown_events() -> None:
    program = cohort(enrolled(ANDI, "2025-03-05"), withdrawn(EKO, "2025-03-05"),
                     program_event("ProgramRenamed", {"name": "x"}, date_instant("2025-03-05")))
    assert program.spans_of(ANDI)[0].enrolled_at == at("2025-03-03", "00:00")
    assert program.spans_of(EKO) == ()
    assert program.closed_at is None
    assert cohort(closed("2025-08-30")).closed_at == at("2025-08-30", "00:00")


def test_roster_refuses_what_it_cannot_read() -> None:
    with pytest.raises(ValueError, match="before ProgramLaunched"):
        evolve_roster(None, decode(enrolled(ANDI, "2025-03-03")))
    with pytest.raises(ValueError, match="schema_version"):
        evolve_roster(roster(), decode({**enrolled(ANDI, "2025-03-03"), "schema_version": 2}))
