"""The session figures of `/evaluation` and `/regional`, counted in SQL over `sessions`.

Definitions (the window is `from`..`to`, inclusive WIB days; a program's sessions are those of
its id in its own prison):
- Held sessions (never cancelled nor not held ones) whose `held_on` is inside the window:
  `sessions_held`, `hours_by_activity` (minutes summed, then / 60) and `attendance_rate`
  ((present + late) / (present + late + absent) over their marks, corrections applied).
- `sessions_not_held`: sessions recorded not held (SessionNotHeld) whose `planned_for` WIB day
  is inside the window; `not_held_by_reason` splits them by reason (only reasons with some).
- `makeup_sessions`: the sessions made up by a held session inside the window, each replaced
  session counted once (two make-ups of one session, which the command path cannot fully
  exclude, count once); a make-up also counts in `sessions_held`.
- `compliance_rate`: compliant marks / marks with a compliance recorded, among the present and
  late marks of those held sessions, corrections applied (a mark corrected to absent or excused
  has none); null when no mark has one. A session held before compliance was recorded (v1) has
  none, so it is left out rather than counted as non-compliant.

How (issue 15): whole months are read from the `session_months` rollup
(`projections/rollups.py`; from the beginning of time: `session_totals` less the later months),
the days at the window's ends from the `sessions` rows and the
per-session counts stored beside their marks (`months.split`): the same sums, in fewer rows.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import asyncpg

from services.reporting.projections.rollups import ACTIVITIES, REASONS, SESSION_SUMS, sums
from services.reporting.read.figures import BEGINNING, Figures, Window
from services.reporting.read.months import split
from services.reporting.read.scores import WANTED

_MONTHS = """
SELECT m.prison_id, m.program_id, {sums}
FROM wanted w
JOIN session_months m ON m.prison_id = w.prison_id AND m.program_id = w.program_id
WHERE {months}
GROUP BY m.prison_id, m.program_id"""

_ROLLED = f"WITH {WANTED}" + _MONTHS.format(sums=sums(), months="m.month BETWEEN $3 AND $4")

# A window from the beginning: the programs' totals less the months after its last whole one
# (few rows: those of the current month), one row per program instead of one per month.
_TOTALS = f"""
WITH {WANTED}, later AS ({_MONTHS.format(sums=sums(), months="m.month > $3")})
SELECT t.prison_id, t.program_id,
       {", ".join(f"t.{n} - coalesce(l.{n}, 0) AS {n}" for n, _ in SESSION_SUMS)}
FROM wanted w
JOIN session_totals t ON t.prison_id = w.prison_id AND t.program_id = w.program_id
LEFT JOIN later l ON l.prison_id = t.prison_id AND l.program_id = t.program_id
"""

_HELD = f"""
WITH {WANTED}
SELECT x.prison_id, x.program_id, x.activity, count(*) AS held,
       sum(x.duration_minutes) AS minutes, sum(x.attended)::bigint AS attended,
       sum(x.counted)::bigint AS counted, sum(x.compliant)::bigint AS compliant,
       sum(x.graded)::bigint AS graded
FROM wanted w
JOIN sessions x ON x.prison_id = w.prison_id AND x.program_id = w.program_id
WHERE x.status = 'held' AND x.held_on BETWEEN $3 AND $4
GROUP BY x.prison_id, x.program_id, x.activity
"""

_MAKEUPS = f"""
WITH {WANTED}
SELECT x.prison_id, x.program_id, count(DISTINCT x.makeup_for) AS makeups
FROM wanted w
JOIN sessions x ON x.prison_id = w.prison_id AND x.program_id = w.program_id
WHERE x.makeup_for IS NOT NULL AND x.status = 'held' AND x.held_on BETWEEN $3 AND $4
GROUP BY x.prison_id, x.program_id
"""

NOT_HELD = f"""
WITH {WANTED}
SELECT x.prison_id, x.program_id, x.not_held_reason AS reason, count(*) AS n
FROM wanted w
JOIN sessions x ON x.prison_id = w.prison_id AND x.program_id = w.program_id
WHERE x.status = 'not_held' AND x.planned_on BETWEEN $3 AND $4
GROUP BY x.prison_id, x.program_id, x.not_held_reason
"""


async def count_sessions(conn: asyncpg.Connection, figures: dict[tuple[str, str], Figures],
                         wanted: tuple[str, str], window: Window) -> None:
    """Add each program's session figures over the window; `wanted`: `scores.wanted_of`."""

    def of(r: asyncpg.Record) -> Figures:
        return figures[r["prison_id"], r["program_id"]]

    cut = split(window)
    first, last = cut.months
    rolled = (_TOTALS, last) if first == BEGINNING else (_ROLLED, first, last)
    for r in await conn.fetch(rolled[0], *wanted, *rolled[1:]):
        f, values = of(r), list(r.values())[2:]
        minutes = values[1:1 + len(ACTIVITIES)]
        f.sessions_held += r["held"]
        _add_nonzero(f.minutes_by_activity, ACTIVITIES, minutes)
        _add_marks(f, r)
        _add_nonzero(f.not_held_by_reason, REASONS, values[-len(REASONS):])
    for edge in cut.edges:
        for r in await conn.fetch(_HELD, *wanted, *edge):
            f = of(r)
            f.sessions_held += r["held"]
            f.minutes_by_activity[r["activity"]] += r["minutes"]
            _add_marks(f, r)
        for r in await conn.fetch(NOT_HELD, *wanted, *edge):
            of(r).not_held_by_reason[r["reason"]] += r["n"]
    for r in await conn.fetch(_MAKEUPS, *wanted, window.start, window.end):
        of(r).makeups += r["makeups"]


def _add_nonzero(counts: Counter[str], keys: Sequence[str], values: Sequence[int]) -> None:
    for key, value in zip(keys, values, strict=True):
        if value:
            counts[key] += value


def _add_marks(f: Figures, r: asyncpg.Record) -> None:
    f.attended += r["attended"]
    f.counted += r["counted"]
    f.compliant += r["compliant"]
    f.graded += r["graded"]
