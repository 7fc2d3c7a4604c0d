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
"""

from __future__ import annotations

import asyncpg

from services.reporting.read.figures import Figures
from services.reporting.read.scores import WANTED

_HELD = f"""
WITH {WANTED}
SELECT x.prison_id, x.program_id, x.activity, count(*) AS held,
       sum(x.duration_minutes) AS minutes,
       sum(k.attended)::bigint AS attended, sum(k.counted)::bigint AS counted,
       sum(k.compliant)::bigint AS compliant, sum(k.graded)::bigint AS graded
FROM wanted w
JOIN sessions x ON x.prison_id = w.prison_id AND x.program_id = w.program_id
CROSS JOIN LATERAL (
    SELECT count(*) FILTER (WHERE status IN ('present', 'late')) AS attended,
           count(*) FILTER (WHERE status IN ('present', 'late', 'absent')) AS counted,
           count(*) FILTER (WHERE status IN ('present', 'late')
                              AND x.compliance ->> participant_id = 'compliant') AS compliant,
           count(*) FILTER (WHERE status IN ('present', 'late')
                              AND x.compliance ? participant_id) AS graded
    FROM jsonb_each_text(x.marks) AS mark(participant_id, status)) k
WHERE x.status = 'held' AND x.held_on BETWEEN $3 AND $4
GROUP BY x.prison_id, x.program_id, x.activity
"""

_MAKEUPS = f"""
WITH {WANTED}
SELECT x.prison_id, x.program_id, count(DISTINCT x.makeup_for) AS makeups
FROM wanted w
JOIN sessions x ON x.prison_id = w.prison_id AND x.program_id = w.program_id
WHERE x.status = 'held' AND x.held_on BETWEEN $3 AND $4 AND x.makeup_for IS NOT NULL
GROUP BY x.prison_id, x.program_id
"""

_NOT_HELD = f"""
WITH {WANTED}
SELECT x.prison_id, x.program_id, x.not_held_reason AS reason, count(*) AS n
FROM wanted w
JOIN sessions x ON x.prison_id = w.prison_id AND x.program_id = w.program_id
WHERE x.status = 'not_held' AND x.planned_on BETWEEN $3 AND $4
GROUP BY x.prison_id, x.program_id, x.not_held_reason
"""


async def count_sessions(conn: asyncpg.Connection, figures: dict[tuple[str, str], Figures],
                         span: tuple) -> None:
    """Add each program's session figures over the window; `span` is (prisons, programs,
    from, to), the queries' four parameters."""

    def of(r: asyncpg.Record) -> Figures:
        return figures[r["prison_id"], r["program_id"]]

    for r in await conn.fetch(_HELD, *span):
        f = of(r)
        f.sessions_held += r["held"]
        f.minutes_by_activity[r["activity"]] += r["minutes"]
        f.attended += r["attended"]
        f.counted += r["counted"]
        f.compliant += r["compliant"]
        f.graded += r["graded"]
    for r in await conn.fetch(_MAKEUPS, *span):
        of(r).makeups += r["makeups"]
    for r in await conn.fetch(_NOT_HELD, *span):
        of(r).not_held_by_reason[r["reason"]] += r["n"]
