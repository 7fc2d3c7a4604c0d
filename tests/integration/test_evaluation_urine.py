"""Urine tests and violations in `/evaluation` and `/regional`, on a hand-computed scenario
against a real PostgreSQL (definitions: services/reporting/read/urine.py).

Lapas Banyuwangi (X): programs P1 and P2, 2025-01-06..2025-06-30. A in P1 (completed
2025-06-30), B in P1 (withdrawn 2025-03-31), C in P1 (from 2025-01-06) and P2 (from
2025-02-01), D in none. Lapas Jember (Y): A's pseudonym again, in PY from 2025-01-06.

| test | who | tested_on  | names | results               | resolved         | counts for       |
|------|-----|------------|-------|-----------------------|------------------|------------------|
| T1   | A   | 2025-01-07 | P1    | meth +                | sanctioned 01-10 | P1               |
| T2   | A   | 2025-03-03 | -     | meth −, cannabis −    |                  | P1 (member)      |
| T3   | B   | 2025-04-15 | -     | cannabis +            | open             | none (left 03-31)|
| T4   | B   | 2025-03-31 | -     | meth invalid          |                  | P1 (last day)    |
| T5   | C   | 2025-02-10 | P2    | mdma +, cannabis inv. | explained 07-15  | P2, P1 (member)  |
| T6   | A   | 2025-07-05 | -     | meth +                | open             | none (completed) |
| T7   | D   | 2025-02-01 | -     | meth +                | dismissed 02-03  | none             |
| T9   | A@Y | 2025-02-02 | -     | opiates +             | open             | PY only, not P1  |

A also has v1 `urine_test` assessments for P1 (intake 0, exit 1): not tests, not a score.
"""

from datetime import date

import pytest

from services.reporting.read.evaluation import evaluation_report, regional_report
from services.reporting.read.figures import Window
from tests.integration.test_evaluation_sql import GENNESA, Log, apply, uid

pytestmark = pytest.mark.pg

X, Y = "lapas-urine-x", "lapas-urine-y"
AG, AGY, P1, P2, PY = uid(), uid(), uid(), uid(), uid()
A, B, C, D = uid(), uid(), uid(), uid()
T1, T2, T3, T4, T5, T6, T7, T9 = (uid() for _ in range(8))
TO = date(2026, 10, 31)
FIELDS = ("urine_tests", "urine_positive", "positivity_rate", "violations", "violations_open",
          "violations_sanctioned")


def urine(log, prison, who, test, on, results, program=None, kind="random", point=None):
    log.person(prison, who, "UrineTestRecorded", test_id=test, tested_on=on, kind=kind,
               point=point, panel=list(results), results=results, witnessed=True,
               program_id=program)


def resolve(log, prison, who, test, on, outcome):
    log.person(prison, who, "ViolationResolved", test_id=test, resolved_on=on, outcome=outcome,
               note=None)


def scenario() -> list[dict]:
    log = Log()
    log.sign(X, AG, GENNESA, "2024-01-01", "2027-12-31")
    log.sign(Y, AGY, GENNESA, "2024-01-01", "2027-12-31")
    for prison, pid, agreement in ((X, P1, AG), (X, P2, AG), (Y, PY, AGY)):
        log.program(prison, pid, "ProgramLaunched", agreement_id=agreement, name="Rehab",
                    cohort="I", activities=["counseling"], starts_on="2025-01-06",
                    ends_on="2025-06-30", capacity=20)
    for prison, who in ((X, A), (X, B), (X, C), (X, D), (Y, A)):
        log.person(prison, who, "ParticipantRegistered", case_type="narcotics_user",
                   admitted_on="2024-06-01")
    log.member(X, P1, A, "2025-01-06", "2025-06-30", "completed")
    log.member(X, P1, B, "2025-01-06", "2025-03-31", "withdrawn")
    log.member(X, P1, C, "2025-01-06")
    log.member(X, P2, C, "2025-02-01")
    log.member(Y, PY, A, "2025-01-06")
    log.assess(X, A, P1, "urine_test", "intake", 0, "2025-01-07")
    log.assess(X, A, P1, "urine_test", "exit", 1, "2025-06-20")
    urine(log, X, A, T1, "2025-01-07", {"methamphetamine": "positive"}, P1, "scheduled",
          "start")
    resolve(log, X, A, T1, "2025-01-10", "sanctioned")
    urine(log, X, A, T2, "2025-03-03", {"methamphetamine": "negative", "cannabis": "negative"})
    urine(log, X, B, T4, "2025-03-31", {"methamphetamine": "invalid"})
    urine(log, X, B, T3, "2025-04-15", {"cannabis": "positive"})
    urine(log, X, C, T5, "2025-02-10", {"mdma": "positive", "cannabis": "invalid"}, P2)
    resolve(log, X, C, T5, "2025-07-15", "explained")
    urine(log, X, A, T6, "2025-07-05", {"methamphetamine": "positive"})
    urine(log, X, D, T7, "2025-02-01", {"methamphetamine": "positive"})
    resolve(log, X, D, T7, "2025-02-03", "dismissed")
    urine(log, Y, A, T9, "2025-02-02", {"opiates": "positive"})
    return log.events


def counts(tests, positive, rate, opened, still_open, sanctioned) -> dict:
    return dict(zip(FIELDS, (tests, positive, rate, opened, still_open, sanctioned),
                    strict=True))


def urine_of(rows, key="program_id") -> dict:
    return {r[key]: {f: r[f] for f in FIELDS} for r in rows}


async def test_each_programs_tests_and_violations(conn):
    await apply(conn, scenario())
    rows = await evaluation_report(conn, Window(date(1, 1, 1), TO))
    assert urine_of(rows) == {
        # T1 (+, sanctioned), T2, T4 (invalid only: not in the rate), T5 (+, explained).
        P1: counts(4, 2, 2 / 3, 2, 0, 1),
        P2: counts(1, 1, 1.0, 1, 0, 0),  # T5
        PY: counts(1, 1, 1.0, 1, 1, 0)}  # T9
    assert all(r["score_change"] == {} and r["score_excluded"] == {} for r in rows)


async def test_the_window_limits_tests_and_to_dates_the_resolutions(conn):
    await apply(conn, scenario())
    # 2025-02-01..2025-06-30: P1 T2, T4, T5 (T5 resolved after `to`: open); T1 before.
    rows = await evaluation_report(conn, Window(date(2025, 2, 1), date(2025, 6, 30)))
    assert urine_of(rows) == {P1: counts(3, 1, 0.5, 1, 1, 0), P2: counts(1, 1, 1.0, 1, 1, 0),
                              PY: counts(1, 1, 1.0, 1, 1, 0)}
    # To 2025-01-08: only T1, its sanction (01-10) not yet; nothing for P2 or PY.
    rows = await evaluation_report(conn, Window(date(1, 1, 1), date(2025, 1, 8)))
    assert urine_of(rows) == {P1: counts(1, 1, 1.0, 1, 1, 0), P2: counts(0, 0, None, 0, 0, 0),
                              PY: counts(0, 0, None, 0, 0, 0)}


async def test_the_region_sums_programs_and_recomputes_the_rate(conn):
    await apply(conn, scenario())
    rows = await regional_report(conn, Window(date(1, 1, 1), TO), prisons=[X, Y])
    # X = P1 + P2 (T5 counts in both): 5 tests, 3 positive, 4 valid.
    assert urine_of(rows, "prison_id") == {X: counts(5, 3, 0.75, 3, 0, 1),
                                           Y: counts(1, 1, 1.0, 1, 1, 0)}
    # The session fields (sessions_not_held … compliance_rate) are appended after these.
    assert list(rows[0])[-11:-4] == ["agreements_active", *FIELDS]
