"""The dashboard's quarterly lines (issue 15): per line (a prison, or a Kanwil summing its
prisons) and per quarter, the `/regional` counts its charts draw, from a few grouped queries
over the monthly rollups instead of one `/regional` per quarter.

A line's counts for a quarter are the sums of the `/regional` rows of its prisons over that
quarter's window (definitions: evaluation.py): the span of the quarters is cut as
`months.split` cuts a window (whole months from `session_months` / `member_months`, the days
left at its ends from the base rows), and each fact is counted in the calendar month, hence the
quarter, it is dated in. `enrolled` counts everyone enrolled by the quarter's end (`from` does
not limit it): the running sum of the months up to the quarter's last. A participant enrolled
again after a quarter's end is completed / withdrawn in it by their enrolment that began by
then (members.py), counted per quarter. `released`: the program's release (evaluation.py) dated
in the quarter; its `released_Nm` / `readmitted_Nm` are not here: a release inside a window
shorter than N months is never N months before its end, so a quarter's are always 0.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import date

import asyncpg

from services.reporting.read.evaluation import CUSTOM_PLANS, KANWIL, RELEASES
from services.reporting.read.figures import Window
from services.reporting.read.members import ENDED_BY, LATEST_BY
from services.reporting.read.months import NOTHING, split, until
from services.reporting.read.scores import wanted_of

COUNTS = ("enrolled", "completed", "withdrawn", "sessions_held", "attended", "counted",
          "released")

# `/regional`'s programs (of prison $1, of the token's prisons $2, of Kanwil $3), each with its
# line: its prison's Kanwil when $4, else its prison.
_SCOPE = f"""
SELECT p.prison_id, p.program_id,
       CASE WHEN $4::bool THEN k.kanwil_id ELSE p.prison_id END AS line
FROM programs p LEFT JOIN prisons k ON k.prison_id = p.prison_id
WHERE ($1::text IS NULL OR p.prison_id = $1) AND ($2::text[] IS NULL OR p.prison_id = ANY($2))
  AND {KANWIL.format(prison="p.prison_id", n=3)}"""
_LINES = f"lines AS ({_SCOPE})"
# One day range $5..$6 (a query an edge: an absent one still costs a scan of the index).
_EDGE = "{0} BETWEEN $5 AND $6"


def _per_month(table: str, day: str, counts: str, where: str, rollup: bool = False) -> str:
    month = day if rollup else f"date_trunc('month', {day})::date"
    return f"""
WITH {_LINES}
SELECT w.line, {month} AS month, {counts}
FROM lines w JOIN {table} x ON x.prison_id = w.prison_id AND x.program_id = w.program_id
WHERE {where}
GROUP BY 1, 2"""


# The rollups' whole months are filtered in the sums, not in WHERE: a read-model without
# statistics (autovacuum off, a fresh rebuild) takes a two-sided range for a few rows and sorts
# the ~100,000 rollup rows on disk, 3-5x slower than the hash join and aggregate it uses so.
_MARKS = ("sum(x.attended){0}::bigint AS attended, sum(x.counted){0}::bigint AS counted")
_LEFT = "{0}(x.completed){1} AS completed, {0}(x.withdrawn){1} AS withdrawn"
_MONTHS = " FILTER (WHERE x.month BETWEEN $5 AND $6)"
# (query, what it takes after the filters, each run: "months", "edges" of the quarters' span;
# "ever": the last of the months of everything by its end, "ever_edges" the days after them)
_MONTHLY = (
    (_per_month("session_months", "x.month", f"sum(x.held){_MONTHS}::bigint AS sessions_held, "
                + _MARKS.format(_MONTHS), "x.month >= $5", rollup=True), "months"),
    (_per_month("sessions", "x.held_on", "count(*) AS sessions_held, " + _MARKS.format(""),
                "x.status = 'held' AND " + _EDGE.format("x.held_on")), "edges"),
    (_per_month("member_months", "x.month", "sum(x.enrolled) AS enrolled, " + _LEFT.format(
        "sum", " FILTER (WHERE x.month BETWEEN $6 AND $7)"), "x.month <= $5", rollup=True),
     "ever"),
    (_per_month("memberships", "x.first_enrolled_on", "count(*) AS enrolled",
                _EDGE.format("x.first_enrolled_on")), "ever_edges"),
    (_per_month("memberships", "x.left_on",
                "count(*) FILTER (WHERE x.status = 'completed') AS completed, "
                "count(*) FILTER (WHERE x.status = 'withdrawn') AS withdrawn",
                _EDGE.format("x.left_on")), "edges"),
)

# `RELEASES` takes $1 prisons, $2 programs (`wanted_of`), $3..$4 the span; $5: the lines.
_RELEASED = f"""
SELECT w.line, date_trunc('month', r.released_on)::date AS month, count(*) AS released
FROM ({RELEASES}) r
JOIN unnest(string_to_array($1, ','), string_to_array($2, ','), $5::text[])
    AS w(prison_id, program_id, line)
  ON w.prison_id = r.prison_id AND w.program_id = r.program_id
GROUP BY 1, 2
"""

# Per quarter ($5 index, $6 start, $7 end), the memberships enrolled again after its end.
_AGAIN = f"""
WITH {_LINES}, q AS (SELECT * FROM unnest($5::int[], $6::date[], $7::date[]) AS q(i, qs, qe))
SELECT w.line, q.i AS quarter,
       {ENDED_BY.format(start="q.qs", to="q.qe")}
FROM lines w
JOIN memberships m ON m.prison_id = w.prison_id AND m.program_id = w.program_id
JOIN q ON m.enrolled_on > q.qe AND m.first_enrolled_on <= q.qe
{LATEST_BY.format(to="q.qe")}
WHERE m.enrolled_on > m.first_enrolled_on
GROUP BY 1, 2
"""


def _runs(span: Window) -> dict[str, list[tuple[date, ...]]]:
    cut, ever = split(span), until(span.end)
    return {"months": [cut.months] if cut.months != NOTHING else [], "edges": list(cut.edges),
            "ever": [(ever.months[1], *cut.months)], "ever_edges": list(ever.edges)}


def _check(quarters: Sequence[Window]) -> None:
    for before, after in zip(quarters, quarters[1:], strict=False):
        if (after.start - before.end).days != 1 or after.start.day != 1:
            raise ValueError(f"quarters must follow each other at month starts: {quarters}")


async def quarterly_counts(conn: asyncpg.Connection, quarters: Sequence[Window],
                           by_kanwil: bool, prisons: Sequence[str] | None = None,
                           prison_id: str | None = None, kanwil_id: str | None = None
                           ) -> list[dict]:
    """`{"line", "quarter", *COUNTS}` per line and quarter (its index in `quarters`: windows
    that follow each other, cut at month starts, as the dashboard's calendar quarters are).
    A line is a prison (`line`: its id), or with `by_kanwil` a Kanwil (its id; None: the
    prisons assigned to none). The filters are `/regional`'s."""
    _check(quarters)
    await conn.execute(CUSTOM_PLANS)  # the filters and months: see CUSTOM_PLANS
    filters = (prison_id, prisons, kanwil_id, by_kanwil)
    scope = await conn.fetch(_SCOPE, *filters)
    if not scope or not quarters:
        return []
    lines = [r["line"] for r in scope]
    span = Window(quarters[0].start, quarters[-1].end)
    runs = _runs(span)
    months: dict[tuple[str | None, date], Counter[str]] = defaultdict(Counter)
    found = [await conn.fetch(sql, *filters, *days) for sql, takes in _MONTHLY
             for days in runs[takes]]
    wanted = wanted_of([(r["prison_id"], r["program_id"]) for r in scope])
    found.append(await conn.fetch(_RELEASED, *wanted, span.start, span.end, lines))
    for rows in found:
        for r in rows:
            months[r["line"], r["month"]].update(
                {k: v or 0 for k, v in r.items() if k not in ("line", "month")})
    starts = [q.start.replace(day=1) for q in quarters]
    out = {(line, i): Counter({c: 0 for c in COUNTS})
           for line in dict.fromkeys(lines) for i in range(len(quarters))}
    for (line, month), counts in months.items():
        i = bisect_right(starts, month) - 1  # -1: before the span (enrolled only)
        out[line, max(i, 0)].update(counts)
    for line in dict.fromkeys(lines):  # enrolled by the quarter's end: a running sum
        for i in range(1, len(quarters)):
            out[line, i]["enrolled"] += out[line, i - 1]["enrolled"]
    indices = list(range(len(quarters)))
    for r in await conn.fetch(_AGAIN, *filters, indices, [q.start for q in quarters],
                              [q.end for q in quarters]):
        out[r["line"], r["quarter"]].update(completed=r["completed"], withdrawn=r["withdrawn"])
    return [{"line": line, "quarter": i, **counts} for (line, i), counts in out.items()]
