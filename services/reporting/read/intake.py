"""`GET /intake`: the intake pipeline's figures per prison (issue 13 §1), from the `intake`
read model (one row per stay, services/reporting/projections/intake.py).

Definitions:
- The stays counted are those whose screening (`screened_on`) is inside the window
  `from`..`to`: the window chooses a cohort of screenings; each one's later steps count as
  recorded at the report's point (today's read model, or the replay `as_of` names), whatever
  their own dates. One row per prison with at least one such screening, ordered by prison_id.
- `screened`: those stays; `screened_low|moderate|high`: by the screening's risk band.
- `referred`: referred to an assessment; `assessed`: the team's assessment concluded.
- `placed`: a placement decided (PlacementDecided, the head of the prison's decree), also after
  a wait; `placed_medical|social`: of that track (post-rehabilitation placements count in
  `placed` only); `placed_inside|outside`: of that setting.
- `waitlisted`: on the waiting list now (waitlisted, no decision, refusal or ineligibility yet).
- `refused`, `ineligible`: the pipelines that ended so (a refusal or ineligibility after a wait
  counts there, not in `waitlisted`).
- `decided`: placement decisions (= `placed`), the timeliness denominator.
- `days_to_decision_median|max`: calendar days from the screening to the placement decision
  over the decided stays (the median of an even count is the mean of the middle two); null
  when none.
- `decided_within_14_working_days`: decisions at most 14 working days after the screening,
  working days being Monday to Friday after the screening day, up to the decision day
  (public holidays are not known to Pulih and count as working days).
- `timeliness_rate` = decided_within_14_working_days / decided, unrounded; null when 0.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from typing import Any

import asyncpg

from services.reporting.read.figures import Window

DECISION_WORKING_DAYS = 14
COUNTS = ("screened", "screened_low", "screened_moderate", "screened_high", "referred",
          "assessed", "placed", "placed_medical", "placed_social", "placed_inside",
          "placed_outside", "waitlisted", "refused", "ineligible", "decided")
_STAYS = """
SELECT prison_id, risk, screened_on, referred_on, concluded_on, outcome, decided_on, track,
       setting
FROM intake
WHERE screened_on BETWEEN $1 AND $2 AND ($3::text IS NULL OR prison_id = $3)
  AND ($4::text[] IS NULL OR prison_id = ANY($4))
ORDER BY prison_id
"""


def working_days(start: date, end: date) -> int:
    """Monday–Friday days after `start`, up to and including `end` (0 when `end` ≤ `start`)."""
    days = (end - start).days
    if days <= 0:
        return 0
    weeks, rest = divmod(days, 7)
    extra = sum((start + timedelta(d)).weekday() < 5 for d in range(1, rest + 1))
    return weeks * 5 + extra


def prison_row(prison_id: str, stays: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """One prison's row from its screened stays (pure)."""
    row: dict[str, Any] = {"prison_id": prison_id, **dict.fromkeys(COUNTS, 0)}
    days: list[int] = []  # calendar days from screening to decision, per decision
    within = 0  # decisions within 14 working days
    for stay in stays:
        row["screened"] += 1
        row[f"screened_{stay['risk']}"] += 1
        row["referred"] += stay["referred_on"] is not None
        row["assessed"] += stay["concluded_on"] is not None
        outcome = stay["outcome"]
        if outcome in ("waitlisted", "refused", "ineligible"):
            row[outcome] += 1
        if outcome == "placed":
            for key in ("placed", f"placed_{stay['setting']}", "decided"):
                row[key] += 1
            if stay["track"] in ("medical", "social"):
                row[f"placed_{stay['track']}"] += 1
            screened_on, decided_on = stay["screened_on"], stay["decided_on"]
            days.append((decided_on - screened_on).days)
            within += working_days(screened_on, decided_on) <= DECISION_WORKING_DAYS
    row["days_to_decision_median"] = statistics.median(days) if days else None
    row["days_to_decision_max"] = max(days, default=None)
    row["decided_within_14_working_days"] = within
    row["timeliness_rate"] = within / row["decided"] if row["decided"] else None
    return row


def intake_rows(stays: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The report's rows from stays ordered by prison_id."""
    by_prison: dict[str, list[Mapping[str, Any]]] = {}
    for stay in stays:
        by_prison.setdefault(stay["prison_id"], []).append(stay)
    return [prison_row(prison, found) for prison, found in by_prison.items()]


async def intake_report(conn: asyncpg.Connection, window: Window, prison_id: str | None,
                        prisons: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """The `/intake` rows (see the module's definitions); `prisons` (None: every prison)
    keeps only those prisons, in SQL."""
    stays = await conn.fetch(_STAYS, window.start, window.end, prison_id, prisons)
    return intake_rows(stays)
