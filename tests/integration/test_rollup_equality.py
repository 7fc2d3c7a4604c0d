"""The monthly rollups and the kept outcomes (issue 15) answer exactly what the per-row
definitions answer.

A seeded log of sessions (held, corrected, not held, with compliance), memberships (completed,
withdrawn, enrolled again, some after the window), assessments (back-dated, out of range, for
another program or none, after the window) and releases (transfers, readmissions in the same
prison and registrations in the other one, on month ends) spread over fourteen months, applied
in batches; then, for windows starting and ending on and around month edges, every member,
session, score and release figure `program_figures` computes equals the per-row queries of
`bench.reference`. The hand-computed scenario of test_evaluation_sql is checked the same way.
"""

import random
from datetime import date, timedelta

import pytest

from bench.reference import differences, reference
from services.reporting.read.figures import BEGINNING, Window
from tests.integration.test_evaluation_sql import Log, apply, scenario, uid

pytestmark = pytest.mark.pg

PRISONS = ("lapas-a", "lapas-b")
ACTIVITIES = ("counseling", "skills_training", "spiritual_guidance")
REASONS = ("holiday", "partner_absent", "security_lockdown")
FIRST = date(2025, 1, 1)
INSTRUMENTS = ("ASSIST", "URICA", "WHOQOL", "urine_test")
RELEASED = (date(2025, 1, 31), date(2025, 2, 28), date(2025, 8, 31), date(2025, 6, 15),
            date(2025, 10, 31), date(2025, 12, 31))


def outcomes(log: Log, rng: random.Random, prison: str, pid: str, people: list[str],
             programs: list[tuple[str, str]], later: list[tuple[str, str, str]]) -> None:
    """Each person registered here; assessments for this program (some for an earlier program
    of the log, some for none), scores sometimes out of range, some back-dated, recorded in a
    random order; half released (a few transferred first), some of those back later: readmitted
    here or registered in the other prison (`later`: recorded at the end of the log, in batches
    of their own), one exactly 6 months after a 31 August release."""
    other = PRISONS[1 - PRISONS.index(prison)]
    for who in people:
        log.person(prison, who, "ParticipantRegistered", case_type="narcotics_user",
                   admitted_on="2024-06-01")
    facts = []
    for who in people:
        paired = rng.choice(INSTRUMENTS[:3])
        phases = [("intake", paired), ("exit", paired)] + [
            (rng.choice(("intake", "exit", "mid")), rng.choice(INSTRUMENTS))
            for _ in range(rng.randrange(4))]
        for phase, instrument in phases:
            program = rng.choice((pid, pid, pid, pid, None, rng.choice(programs)[1]))
            score = rng.choice((rng.randrange(0, 30), rng.uniform(-5, 120), 12.5))
            day = FIRST + timedelta(days=rng.randrange(430))
            facts.append((who, program, instrument, phase, score, day.isoformat()))
    rng.shuffle(facts)
    for who, program, instrument, phase, score, day in facts:
        log.assess(prison, who, program, instrument, phase, score, day)
    for who in rng.sample(people, 3):
        if rng.random() < 0.3:
            log.person(prison, who, "ParticipantTransferred", transferred_on="2024-12-01",
                       to_prison_id=other)
            log.person(prison, who, "ParticipantReadmitted", readmitted_on="2024-12-20")
        out = rng.choice(RELEASED)
        log.person(prison, who, "ParticipantReleased", released_on=out.isoformat(),
                   release_type=rng.choice(("parole", "expiration", "assimilation")))
        back = (date(2026, 2, 28) if out == date(2025, 8, 31)
                else out + timedelta(days=rng.randrange(20, 300)))
        if rng.random() < 0.4:
            log.person(prison, who, "ParticipantReadmitted", readmitted_on=back.isoformat())
        elif rng.random() < 0.5:
            later.append((other, who, back.isoformat()))


def seeded_log(seed: int) -> tuple[list[dict], list[tuple[str, str]]]:
    rng, log, programs, later = random.Random(seed), Log(), [], []
    for prison in PRISONS:
        for _ in range(2):
            pid, aid = uid(), uid()
            programs.append((prison, pid))
            log.sign(prison, aid, "yayasan-a", "2024-12-01", "2027-12-31")
            log.program(prison, pid, "ProgramLaunched", agreement_id=aid, name="P", cohort="I",
                        activities=list(ACTIVITIES), starts_on="2025-01-01",
                        ends_on="2026-06-30", capacity=20)
            people = [uid() for _ in range(6)]
            for who in people:
                day = FIRST + timedelta(days=rng.randrange(200))
                for _ in range(rng.randrange(1, 4)):  # enrolments, each ended but maybe the last
                    log.member(prison, pid, who, day.isoformat())
                    end = day + timedelta(days=rng.randrange(1, 90))
                    outcome = rng.choice(("completed", "withdrawn", None))
                    if outcome is None:
                        break
                    log.program(prison, pid, f"Participant{outcome.capitalize()}",
                                participant_id=who, **{f"{outcome}_on": end.isoformat()},
                                **({"reason": "refused", "note": ""}
                                   if outcome == "withdrawn" else {}))
                    day = end + timedelta(days=rng.randrange(1, 60))
            for _ in range(30):
                sid = uid()
                at = (FIRST + timedelta(days=rng.randrange(420))).isoformat() + "T09:00:00+07:00"
                if rng.random() < 0.15:
                    log.add(prison, "session", sid, "SessionNotHeld", {
                        "program_id": pid, "planned_for": at, "reason": rng.choice(REASONS),
                        "note": ""}, at)
                    continue
                marks = {p: rng.choice(("present", "late", "absent", "excused")) for p in people}
                log.hold(prison, sid, pid, at, rng.choice((60, 90, 120)),
                         rng.choice(ACTIVITIES), marks)
                held = log.events[-1]
                held["schema_version"] = 2
                held["data"]["makeup_for"] = None
                for mark in held["data"]["attendance"]:
                    if mark["status"] in ("present", "late") and rng.random() < 0.7:
                        mark["compliance"] = rng.choice(("compliant", "partial"))
                for who in rng.sample(people, 2):
                    log.correct(prison, sid, who, rng.choice(("present", "absent", "late")))
            outcomes(log, rng, prison, pid, people, programs, later)
    for prison, who, day in later:
        log.person(prison, who, "ParticipantRegistered", case_type="narcotics_user",
                   admitted_on=day)
    return log.events, programs


def windows() -> list[Window]:
    edges = [date(2025, m, d) for m in (1, 2, 3, 6, 7, 12) for d in (1, 2, 15, 28)]
    edges += [date(2025, 1, 31), date(2025, 2, 28), date(2025, 6, 30), date(2025, 12, 31),
              date(2026, 2, 28), date(2026, 3, 1)]
    out = [Window(BEGINNING, end) for end in edges]
    return out + [Window(start, end) for start in edges for end in edges if start <= end][::7]


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_rollups_equal_the_per_row_definitions_on_every_window(conn, seed):
    events, programs = seeded_log(seed)
    await apply(conn, events, batch_sizes=(7, 40, 1))
    for window in windows():
        assert await differences(conn, programs, window) == [], window
    # What the log holds reaches every path: kept pairs and late ones, releases followed for
    # 6 months and readmitted within them, scores changed and scores left out.
    whole = sum_of(await reference(conn, programs, Window(BEGINNING, date(2026, 3, 1))))
    assert whole["released_after"][6] and whole["readmitted_within"][6], whole
    assert sum(whole["score_counts"].values()) and sum(whole["score_excluded"].values()), whole
    late = await conn.fetchval("SELECT count(*) FILTER (WHERE through > '2025-06-30') "
                               "* 1.0 / count(*) FROM score_pairs")
    assert 0.1 < late < 0.9, late


def sum_of(figures: dict) -> dict:
    total: dict = {}
    for fields in figures.values():
        for name, value in fields.items():
            total[name] = total[name] + value if name in total else value
    return total


async def test_rollups_equal_the_per_row_definitions_on_the_hand_computed_scenario(conn):
    await apply(conn, scenario())
    programs = [(r["prison_id"], r["program_id"])
                for r in await conn.fetch("SELECT prison_id, program_id FROM programs")]
    for window in [Window(BEGINNING, date(2026, 10, 31)), Window(date(2025, 3, 1),
                   date(2025, 8, 31)), Window(BEGINNING, date(2025, 2, 20)),
                   Window(date(2025, 2, 14), date(2025, 6, 3))]:
        assert await differences(conn, programs, window) == [], window
