"""Tracks and phases in the read-models and their reports, against PostgreSQL: the program's
plan, `phase_counts` on `/programs/{id}`, the roster and the evaluation's track."""

from dataclasses import replace
from datetime import date

import pytest

from services.reporting.read.evaluation import evaluation_report
from services.reporting.read.figures import Window
from services.reporting.read.phases import roster
from services.reporting.read.queries import program_report
from tests.integration.test_reporting_programs_sql import (
    AGREEMENT,
    P1,
    P2,
    P3,
    P4,
    P5,
    PA,
    PB,
    PRISON,
    Log,
    apply,
)

pytestmark = pytest.mark.pg

PLAN = [{"name": "induction", "days": 30}, {"name": "primary", "days": 120},
        {"name": "re_entry", "days": 30}]


def launch_v2(log: Log, program_id: str):
    """A v2 launch as the programs service writes it (the Log writes v1 events, upcast)."""
    record = log.program(program_id, "ProgramLaunched", starts_on="2025-01-06",
                         agreement_id=AGREEMENT, name="TC medis", cohort="2025-A",
                         activities=["counseling"], ends_on="2025-06-30", capacity=20)
    plan = {"track": "medical", "planned_days": 180, "phases": PLAN}
    envelope = record.envelope
    assert envelope["schema_version"] == 2
    return replace(record, envelope={**envelope, "data": {**envelope["data"], **plan}})


def advance(log: Log, program_id: str, pid: str, phase: str, on: str):
    return log.program(program_id, "PhaseAdvanced", participant_id=pid, phase=phase,
                       advanced_on=on)


def history(log: Log):
    return [
        [launch_v2(log, PA), log.launch(PB),
         log.enrol(PA, P1, "2025-01-06"), log.enrol(PA, P2, "2025-01-06"),
         log.enrol(PA, P5, "2025-01-08"), log.enrol(PA, P3, "2025-01-10"),
         log.enrol(PA, P4, "2025-01-06"), log.enrol(PB, P1, "2025-01-06")],
        [advance(log, PA, P4, "primary", "2025-01-20"),
         log.withdraw(PA, P4, "2025-01-25", "health"),
         advance(log, PA, P1, "primary", "2025-02-01"),
         log.enrol(PA, P4, "2025-02-01"),                 # starts again in induction
         advance(log, PA, P2, "primary", "2025-02-10"),
         log.withdraw(PA, P2, "2025-02-20", "discipline"),  # keeps the phase it left in
         advance(log, PA, P1, "re_entry", "2025-03-01"),
         log.complete(PA, P5, "2025-06-30")],
    ]


async def test_the_plan_the_phase_counts_and_the_roster(conn):
    log = Log()
    for batch in history(log):
        assert await apply(conn, batch) == []
    [report] = await program_report(conn, PA)
    assert (report["track"], report["planned_days"], report["phases"]) == ("medical", 180, PLAN)
    # Active: P1 in re_entry, P3 and P4 (re-enrolled) in induction; nobody in primary.
    assert list(report["phase_counts"].items()) == [("induction", 2), ("primary", 0),
                                                    ("re_entry", 1)]
    assert (report["enrolled"], report["active"]) == (5, 3)
    assert [(r["participant_id"], r["status"], r["enrolled_on"], r["left_on"], r["phase"],
             r["phase_since"]) for r in await roster(conn, PRISON, PA)] == [
        (P1, "active", date(2025, 1, 6), None, "re_entry", date(2025, 3, 1)),
        (P2, "withdrawn", date(2025, 1, 6), date(2025, 2, 20), "primary", date(2025, 2, 10)),
        (P5, "completed", date(2025, 1, 8), date(2025, 6, 30), "induction", date(2025, 1, 8)),
        (P3, "active", date(2025, 1, 10), None, "induction", date(2025, 1, 10)),
        (P4, "active", date(2025, 2, 1), None, "induction", date(2025, 2, 1)),
    ]


async def test_a_program_without_a_plan_has_no_phases(conn):
    for batch in history(Log()):
        await apply(conn, batch)
    [report] = await program_report(conn, PB)
    assert (report["track"], report["planned_days"], report["phases"],
            report["phase_counts"]) == (None, None, [], {})
    assert [(r["participant_id"], r["phase"], r["phase_since"])
            for r in await roster(conn, PRISON, PB)] == [(P1, None, None)]
    assert await roster(conn, "lapas-jember", PA) == []  # ids are unique per prison only


async def test_the_evaluation_row_carries_the_track(conn):
    for batch in history(Log()):
        await apply(conn, batch)
    rows = await evaluation_report(conn, Window(date(2025, 1, 1), date(2025, 12, 31)))
    assert {r["program_id"]: r["track"] for r in rows} == {PA: "medical", PB: None}


async def test_an_impossible_advance_is_parked(conn):
    log = Log()
    await apply(conn, history(log)[0])
    fine = advance(log, PA, P2, "primary", "2025-01-07")
    stray = advance(log, PA, "9a000000-0000-4000-8000-0000000000ff", "primary", "2025-01-07")
    parked = await apply(conn, [fine, stray, log.withdraw(PA, P2, "2025-01-09", "health"),
                                advance(log, PA, P2, "re_entry", "2025-01-10")])
    assert sorted((p.seq, p.reason.split(":")[0]) for p in parked) == [
        (stray.seq, "memberships"), (log.seq, "memberships")]  # never enrolled; not active
    [p2] = [r for r in await roster(conn, PRISON, PA) if r["participant_id"] == P2]
    assert (p2["status"], p2["phase"], p2["phase_since"]) == (
        "withdrawn", "primary", date(2025, 1, 7))
