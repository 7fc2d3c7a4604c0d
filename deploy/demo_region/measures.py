"""What is measured of each participant during a cohort: intake and exit assessments (ASSIST,
and URICA readiness or WHOQOL quality of life), urine tests (scheduled at start, middle and end,
plus random ones; one positive per cohort, its violation resolved) and phase advances."""

from __future__ import annotations

import random
from datetime import date
from typing import Any

from deploy.demo import demo_id
from deploy.demo_region.people import Person, active_on
from deploy.demo_region.timeline import Timeline, days

PHASES = {"social": (("induction", 30), ("primary", 120), ("re_entry", 30)),
          "medical": (("induction", 14), ("primary", 60), ("re_entry", 14)),
          "post_rehabilitation": (("re_entry", 30), ("aftercare", 60))}
PANEL = ["methamphetamine", "cannabis", "benzodiazepines"]
OUTCOMES = ("sanctioned", "explained", "dismissed")


def assessments(tl: Timeline, prison: str, program_id: str, group: list[Person], track: str,
                rng: random.Random, ends_on: date) -> None:
    second = "WHOQOL" if track == "medical" else "URICA"
    for p in group:
        assist, other = rng.uniform(12, 30), rng.uniform(6, 10)
        rows = [("intake", p.enrolled_on + days(1), assist, other)]
        if p.withdrawal is None and p.n % 9:
            rows.append(("exit", ends_on - days(3), max(0.0, assist - rng.uniform(-2, 10)),
                         other + rng.uniform(-1, 4)))
        for phase, day, a, b in rows:
            for instrument, score in (("ASSIST", a), (second, b)):
                tl.add(prison, day, "programs", "RecordAssessment", {
                    "participant_id": p.participant_id, "instrument": instrument,
                    "phase": phase, "score": round(score, 1), "assessed_on": day.isoformat(),
                    "program_id": program_id,
                    "assessor_role": "medical" if instrument == "WHOQOL" else "counselor"})


def _test(tl: Timeline, prison: str, program_id: str, p: Person, day: date, point: str | None,
          positive: bool = False) -> str:
    test_id = demo_id(f"urine/{p.participant_id}/{day.isoformat()}/{point or 'random'}",
                      prison)
    tl.add(prison, day, "programs", "RecordUrineTest", {
        "participant_id": p.participant_id, "test_id": test_id, "tested_on": day.isoformat(),
        "kind": "random" if point is None else "scheduled", "point": point, "panel": PANEL,
        "results": {s: "positive" if positive and s == PANEL[0] else "negative" for s in PANEL},
        "witnessed": True, "program_id": program_id})
    return test_id


def urine_tests(tl: Timeline, prison: str, program_id: str, group: list[Person],
                rng: random.Random, starts_on: date, ends_on: date, turn: int) -> None:
    middle = starts_on + days((ends_on - starts_on).days // 2)
    for p in group:
        _test(tl, prison, program_id, p, p.enrolled_on + days(2), "start")
    for point, day in (("middle", middle), ("end", ends_on - days(5))):
        for p in active_on(group, day):
            _test(tl, prison, program_id, p, day, point)
    for k in range(3):
        day = starts_on + days(rng.randint(10, (ends_on - starts_on).days - 10))
        if day in (middle, ends_on - days(5)):
            continue
        chosen = rng.choice(active_on(group, day))
        test_id = _test(tl, prison, program_id, chosen, day, None, positive=k == 0)
        if k == 0:
            resolved = day + days(3)
            tl.add(prison, resolved, "programs", "ResolveViolation", {
                "participant_id": chosen.participant_id, "test_id": test_id,
                "resolved_on": resolved.isoformat(), "outcome": OUTCOMES[turn % 3],
                "note": "Diputuskan dalam sidang TPP"})


def phase_advances(tl: Timeline, prison: str, program_id: str, group: list[Person],
                   track: str, rng: random.Random, ends_on: date) -> None:
    plan = PHASES[track]
    for p in group:
        day = p.enrolled_on
        for (_, length), (following, _) in zip(plan, plan[1:], strict=False):
            day += days(length + rng.randint(0, 6))
            if day >= p.left_on or day > ends_on:
                break
            tl.add(prison, day, "programs", "AdvancePhase", {
                "program_id": program_id, "participant_id": p.participant_id,
                "phase": following, "advanced_on": day.isoformat()})


def phase_plan(track: str) -> dict[str, Any]:
    plan = PHASES[track]
    return {"track": track, "planned_days": 180 if track == "social" else 90,
            "phases": [{"name": name, "days": length} for name, length in plan]}
