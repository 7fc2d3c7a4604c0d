"""The monthly rollups (issue 15) answer exactly what the per-row definitions answer.

A seeded log of sessions (held, corrected, not held, with compliance) and memberships (completed,
withdrawn, enrolled again, some after the window) spread over fourteen months, applied in
batches; then, for windows starting and ending on and around month edges, every member and
session figure `program_figures` computes equals the pre-rollup queries of `bench.reference`.
The hand-computed scenario of test_evaluation_sql is checked the same way.
"""

import random
from datetime import date, timedelta

import pytest

from bench.reference import differences
from services.reporting.read.figures import BEGINNING, Window
from tests.integration.test_evaluation_sql import Log, apply, scenario, uid

pytestmark = pytest.mark.pg

PRISONS = ("lapas-a", "lapas-b")
ACTIVITIES = ("counseling", "skills_training", "spiritual_guidance")
REASONS = ("holiday", "partner_absent", "security_lockdown")
FIRST = date(2025, 1, 1)


def seeded_log(seed: int) -> tuple[list[dict], list[tuple[str, str]]]:
    rng, log, programs = random.Random(seed), Log(), []
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
    return log.events, programs


def windows() -> list[Window]:
    edges = [date(2025, m, d) for m in (1, 2, 3, 6, 7, 12) for d in (1, 2, 15, 28)]
    edges += [date(2025, 1, 31), date(2025, 2, 28), date(2025, 6, 30), date(2025, 12, 31),
              date(2026, 2, 28), date(2026, 3, 1)]
    out = [Window(BEGINNING, end) for end in edges]
    return out + [Window(start, end) for start in edges for end in edges if start <= end][::7]


@pytest.mark.parametrize("seed", [1, 2])
async def test_rollups_equal_the_per_row_definitions_on_every_window(conn, seed):
    events, programs = seeded_log(seed)
    await apply(conn, events, batch_sizes=(7, 40, 1))
    for window in windows():
        assert await differences(conn, programs, window) == [], window


async def test_rollups_equal_the_per_row_definitions_on_the_hand_computed_scenario(conn):
    await apply(conn, scenario())
    programs = [(r["prison_id"], r["program_id"])
                for r in await conn.fetch("SELECT prison_id, program_id FROM programs")]
    for window in [Window(BEGINNING, date(2026, 10, 31)), Window(date(2025, 3, 1),
                   date(2025, 8, 31)), Window(BEGINNING, date(2025, 2, 20)),
                   Window(date(2025, 2, 14), date(2025, 6, 3))]:
        assert await differences(conn, programs, window) == [], window
