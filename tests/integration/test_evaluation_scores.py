"""Scores already in the log outside their instrument's range (the log is immutable: written
before the command edge bounded them) never take `/evaluation` or `/regional` down: they are
left out of `score_change` and counted in `score_excluded`; differences are exact. Urine
tests recorded as assessments (`urine_test`, v1) are not scores: left out of both."""

from datetime import date

import pytest

from services.reporting.read.evaluation import evaluation_report, regional_report
from services.reporting.read.figures import Window
from tests.integration.test_evaluation_sql import GENNESA, Log, apply, uid

pytestmark = pytest.mark.pg

X = "lapas-skor"
AG, P1, P2 = uid(), uid(), uid()
A, B, C, D, E = (uid() for _ in range(5))
EVERYTHING = Window(date(1, 1, 1), date(2026, 10, 31))


def scenario() -> list[dict]:
    log = Log()
    log.sign(X, AG, GENNESA, "2024-01-01", "2027-12-31")
    for pid in (P1, P2):
        log.program(X, pid, "ProgramLaunched", agreement_id=AG, name=f"Program {pid[-2:]}",
                    cohort="I", activities=["counseling"], starts_on="2025-01-06",
                    ends_on="2025-06-30", capacity=20)
    for who in (A, B, C, D, E):
        log.person(X, who, "ParticipantRegistered", case_type="narcotics_user",
                   admitted_on="2023-06-01")
    for who in (A, B, C):
        log.member(X, P1, who, "2025-01-06")
    for who in (D, E):
        log.member(X, P2, who, "2025-01-06")
    for who, program, instrument, intake, *exits in (
            # A: the extremes of float8, finite: their difference overflows a float.
            (A, P1, "ASSIST", -1.7e308, 1.7e308),
            (B, P1, "ASSIST", 20, 12),  # in range: 20 → 12
            # C: URICA 5 → 9; a later exit of 1e300 is out of range, does not replace the 9.
            (C, P1, "URICA", 5, 9, 1e300),
            # D, E: WHOQOL 0.1 → 0.3 and 50.25 → 75.5 (exact: 0.2 and 25.25, mean 12.725).
            (D, P2, "WHOQOL", 0.1, 0.3),
            (E, P2, "WHOQOL", 50.25, 75.5),
            # urine_test is not a score (issue 13): left out of score_change, and so never
            # counted in score_excluded either, in range (D) or not (E's 0.5).
            (D, P2, "urine_test", 0, 1),
            (E, P2, "urine_test", 1, 0.5)):
        log.assess(X, who, program, instrument, "intake", intake, "2025-01-07")
        for day, score in enumerate(exits, 28):
            log.assess(X, who, program, instrument, "exit", score, f"2025-06-{day}")
    return log.events


async def test_out_of_range_scores_are_left_out_and_counted(conn):
    await apply(conn, scenario())
    rows = {r["program_id"]: r for r in await evaluation_report(conn, EVERYTHING, X)}
    assert rows[P1]["score_change"] == {"ASSIST": -8.0, "URICA": 4.0}
    assert rows[P1]["score_excluded"] == {"ASSIST": 2, "URICA": 1}
    assert rows[P2]["score_change"] == {"WHOQOL": 12.725}
    assert rows[P2]["score_excluded"] == {}


async def test_the_region_sums_them_exactly(conn):
    await apply(conn, scenario())
    [row] = [r for r in await regional_report(conn, EVERYTHING) if r["prison_id"] == X]
    # (−8 + 4 … per instrument): ASSIST −8 / 1, URICA 4 / 1, WHOQOL (0.2 + 25.25) / 2.
    assert row["score_change"] == {"ASSIST": -8.0, "URICA": 4.0, "WHOQOL": 12.725}
    assert row["score_excluded"] == {"ASSIST": 2, "URICA": 1}
