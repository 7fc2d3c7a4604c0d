"""`enrolled`, `completed` and `withdrawn` of `/evaluation` and `/regional` (definitions:
evaluation.py), from the `member_months` rollup (`projections/rollups.py`) for whole months and
the `memberships` rows for the days at the window's ends.

A membership's latest enrolment that began by `to` is, for nearly every membership, its latest
one: the rollup counts it by `left_on`, and `left_on <= to` implies it began by `to`. Only a
participant enrolled again after `to` has another: those few (an index holds only re-enrolled
memberships) are counted from their spans, and their latest enrolment, which began after `to`,
ends after it too, so the rollup never counted it inside the window.
"""

from __future__ import annotations

import asyncpg

from services.reporting.read.figures import Figures, Window
from services.reporting.read.months import split, until
from services.reporting.read.scores import WANTED

_ROLLED = f"""
WITH {WANTED}
SELECT m.prison_id, m.program_id,
       coalesce(sum(m.enrolled) FILTER (WHERE m.month BETWEEN $3 AND $4), 0) AS enrolled,
       coalesce(sum(m.completed) FILTER (WHERE m.month BETWEEN $5 AND $6), 0) AS completed,
       coalesce(sum(m.withdrawn) FILTER (WHERE m.month BETWEEN $5 AND $6), 0) AS withdrawn
FROM wanted w
JOIN member_months m ON m.prison_id = w.prison_id AND m.program_id = w.program_id
WHERE m.month BETWEEN $3 AND $4 OR m.month BETWEEN $5 AND $6
GROUP BY m.prison_id, m.program_id
"""

# $3..$4: the enrolment edge; $5..$8: the two edges of the window.
_EDGES = f"""
WITH {WANTED}
SELECT m.prison_id, m.program_id,
       count(*) FILTER (WHERE m.first_enrolled_on BETWEEN $3 AND $4) AS enrolled,
       count(*) FILTER (WHERE m.status = 'completed' AND (m.left_on BETWEEN $5 AND $6
                                                         OR m.left_on BETWEEN $7 AND $8))
           AS completed,
       count(*) FILTER (WHERE m.status = 'withdrawn' AND (m.left_on BETWEEN $5 AND $6
                                                         OR m.left_on BETWEEN $7 AND $8))
           AS withdrawn
FROM wanted w
JOIN memberships m ON m.prison_id = w.prison_id AND m.program_id = w.program_id
WHERE m.first_enrolled_on BETWEEN $3 AND $4 OR m.left_on BETWEEN $5 AND $6
   OR m.left_on BETWEEN $7 AND $8
GROUP BY m.prison_id, m.program_id
"""

# The membership's latest enrolment that began by `to` ({to}): spans are in event order.
LATEST_BY = """CROSS JOIN LATERAL (
    SELECT s->>'outcome' AS outcome, (s->>'ended_on')::date AS ended_on
    FROM jsonb_array_elements(m.spans) WITH ORDINALITY AS e(s, i)
    WHERE (s->>'enrolled_on')::date <= {to}
    ORDER BY i DESC LIMIT 1) last"""
LATEST_BY_TO = LATEST_BY.format(to="$4")

# Of those latest enrolments, the ones that ended completed / withdrawn inside {start}..{to}.
ENDED_BY = """
       count(*) FILTER (WHERE last.outcome = 'completed' AND last.ended_on BETWEEN {start}
                                                                           AND {to})
           AS completed,
       count(*) FILTER (WHERE last.outcome = 'withdrawn' AND last.ended_on BETWEEN {start}
                                                                           AND {to})
           AS withdrawn"""
ENDED_BY_TO = ENDED_BY.format(start="$3", to="$4")

_AGAIN = f"""
WITH {WANTED}
SELECT m.prison_id, m.program_id,
       {ENDED_BY_TO}
FROM wanted w
JOIN memberships m ON m.prison_id = w.prison_id AND m.program_id = w.program_id
{LATEST_BY_TO}
WHERE m.enrolled_on > m.first_enrolled_on AND m.enrolled_on > $4 AND m.first_enrolled_on <= $4
GROUP BY m.prison_id, m.program_id
"""


async def count_members(conn: asyncpg.Connection, figures: dict[tuple[str, str], Figures],
                        wanted: tuple[str, str], window: Window) -> None:
    """Add each program's enrolled, completed and withdrawn over the window."""
    cut, ever = split(window), until(window.end)
    rows = [*await conn.fetch(_ROLLED, *wanted, *ever.months, *cut.months),
            *await conn.fetch(_EDGES, *wanted, *ever.edge(0), *cut.edge(0), *cut.edge(1))]
    for r in rows:
        f = figures[r["prison_id"], r["program_id"]]
        f.enrolled += r["enrolled"]
        f.completed += r["completed"]
        f.withdrawn += r["withdrawn"]
    for r in await conn.fetch(_AGAIN, *wanted, window.start, window.end):
        f = figures[r["prison_id"], r["program_id"]]
        f.completed += r["completed"]
        f.withdrawn += r["withdrawn"]
