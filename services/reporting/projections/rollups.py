"""Monthly rollups kept beside the read models, so a report over many programs reads a few rows
per program and month instead of every session and membership (issue 15).

Each rollup row holds one program's facts dated inside one calendar month (`month`: its first
day), counted exactly as the report queries count them (`read/months.py` adds the days of a
window that do not make a whole month from the base rows). A projection's `save` refreshes, in
the same transaction, every (prison, program, month) its changed rows touch: recomputed from the
base table, never incremented, so a refresh is idempotent and a redelivered event changes
nothing. Months without a fact keep a row of zeros once touched; sums are unaffected.

- `session_months` (sessions projection): held sessions by `held_on` — how many, minutes per
  activity (`ACTIVITIES` order), attended/counted/compliant/graded marks (the per-session counts
  `sessions` stores) — and sessions not held by `planned_on`, per reason (`REASONS` order).
- `session_totals` (sessions projection): the sums of a program's `session_months`, every month
  (refreshed after them, for the programs touched): a window from the beginning reads them less
  the months after its last whole month, one row per program (`read/session_figures.py`).
- `member_months` (memberships projection): memberships by `first_enrolled_on` (`enrolled`),
  and by `left_on` those whose latest enrolment ended completed or withdrawn.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import asyncpg

from shared.contract.events import SessionHeld, SessionNotHeld
from shared.contract.lookup import choices

ACTIVITIES = tuple(sorted(choices(SessionHeld, "activity")))
REASONS = tuple(sorted(choices(SessionNotHeld, "reason")))

SESSION_MONTHS_DDL = """
CREATE TABLE IF NOT EXISTS session_months (
    prison_id text NOT NULL,
    program_id text NOT NULL,
    month date NOT NULL,
    held int NOT NULL,
    minutes bigint[] NOT NULL,
    attended bigint NOT NULL,
    counted bigint NOT NULL,
    compliant bigint NOT NULL,
    graded bigint NOT NULL,
    not_held int[] NOT NULL,
    PRIMARY KEY (prison_id, program_id, month)
);
"""

# The session rollup's figures summed over rows `m` of session_months: (name, expression).
SESSION_SUMS = (
    ("held", "sum(m.held)"),
    *((f"minutes_{i}", f"sum(m.minutes[{i}])") for i in range(1, len(ACTIVITIES) + 1)),
    *((name, f"sum(m.{name})") for name in ("attended", "counted", "compliant", "graded")),
    *((f"not_held_{i}", f"sum(m.not_held[{i}])") for i in range(1, len(REASONS) + 1)),
)


def sums(names: bool = True) -> str:
    """SESSION_SUMS as a select list (bigints; named as above unless `names` is False)."""
    return ", ".join(f"{sql}::bigint" + (f" AS {name}" if names else "")
                     for name, sql in SESSION_SUMS)


SESSION_TOTALS_DDL = f"""
CREATE TABLE IF NOT EXISTS session_totals (
    prison_id text NOT NULL,
    program_id text NOT NULL,
    {", ".join(f"{name} bigint NOT NULL" for name, _ in SESSION_SUMS)},
    PRIMARY KEY (prison_id, program_id)
);
"""

REFRESH_SESSION_TOTALS = f"""
WITH touched AS (
    SELECT DISTINCT * FROM unnest($1::text[], $2::text[]) AS t(prison_id, program_id))
INSERT INTO session_totals
SELECT m.prison_id, m.program_id, {sums(names=False)}
FROM touched t
JOIN session_months m ON m.prison_id = t.prison_id AND m.program_id = t.program_id
GROUP BY m.prison_id, m.program_id
ON CONFLICT (prison_id, program_id) DO UPDATE SET
    {", ".join(f"{name} = EXCLUDED.{name}" for name, _ in SESSION_SUMS)}
"""

MEMBER_MONTHS_DDL = """
CREATE TABLE IF NOT EXISTS member_months (
    prison_id text NOT NULL,
    program_id text NOT NULL,
    month date NOT NULL,
    enrolled int NOT NULL,
    completed int NOT NULL,
    withdrawn int NOT NULL,
    PRIMARY KEY (prison_id, program_id, month)
);
"""

_TOUCHED = """touched AS (
    SELECT DISTINCT * FROM unnest($1::text[], $2::text[], $3::date[])
        AS t(prison_id, program_id, month))"""


def _in_month(column: str) -> str:
    return (f"{column} >= t.month AND {column} < (t.month + interval '1 month')::date")


def _per(column: str, values: Iterable[str], what: str, cast: str) -> str:
    return ("ARRAY[" + ", ".join(f"coalesce({what} FILTER (WHERE {column} = '{v}'), 0)"
                                 for v in values) + f"]::{cast}[]")


_JOIN = "LEFT JOIN {table} x ON x.prison_id = t.prison_id AND x.program_id = t.program_id"
_GROUP = "GROUP BY t.prison_id, t.program_id, t.month"

REFRESH_SESSIONS = f"""
WITH {_TOUCHED},
held AS (
    SELECT t.prison_id, t.program_id, t.month, count(x.session_id) AS held,
           {_per("x.activity", ACTIVITIES, "sum(x.duration_minutes)", "bigint")} AS minutes,
           coalesce(sum(x.attended), 0) AS attended, coalesce(sum(x.counted), 0) AS counted,
           coalesce(sum(x.compliant), 0) AS compliant, coalesce(sum(x.graded), 0) AS graded
    FROM touched t {_JOIN.format(table="sessions")}
        AND x.status = 'held' AND {_in_month("x.held_on")}
    {_GROUP}),
not_held AS (
    SELECT t.prison_id, t.program_id, t.month,
           {_per("x.not_held_reason", REASONS, "count(x.session_id)", "int")} AS not_held
    FROM touched t {_JOIN.format(table="sessions")}
        AND x.status = 'not_held' AND {_in_month("x.planned_on")}
    {_GROUP})
INSERT INTO session_months (prison_id, program_id, month, held, minutes, attended, counted,
                            compliant, graded, not_held)
SELECT h.prison_id, h.program_id, h.month, h.held, h.minutes, h.attended, h.counted,
       h.compliant, h.graded, n.not_held
FROM held h JOIN not_held n USING (prison_id, program_id, month)
ON CONFLICT (prison_id, program_id, month) DO UPDATE SET
    held = EXCLUDED.held, minutes = EXCLUDED.minutes, attended = EXCLUDED.attended,
    counted = EXCLUDED.counted, compliant = EXCLUDED.compliant, graded = EXCLUDED.graded,
    not_held = EXCLUDED.not_held
"""

REFRESH_MEMBERS = f"""
WITH {_TOUCHED},
started AS (
    SELECT t.prison_id, t.program_id, t.month, count(x.participant_id) AS enrolled
    FROM touched t {_JOIN.format(table="memberships")} AND {_in_month("x.first_enrolled_on")}
    {_GROUP}),
ended AS (
    SELECT t.prison_id, t.program_id, t.month,
           count(x.participant_id) FILTER (WHERE x.status = 'completed') AS completed,
           count(x.participant_id) FILTER (WHERE x.status = 'withdrawn') AS withdrawn
    FROM touched t {_JOIN.format(table="memberships")} AND {_in_month("x.left_on")}
    {_GROUP})
INSERT INTO member_months (prison_id, program_id, month, enrolled, completed, withdrawn)
SELECT s.prison_id, s.program_id, s.month, s.enrolled, e.completed, e.withdrawn
FROM started s JOIN ended e USING (prison_id, program_id, month)
ON CONFLICT (prison_id, program_id, month) DO UPDATE SET
    enrolled = EXCLUDED.enrolled, completed = EXCLUDED.completed, withdrawn = EXCLUDED.withdrawn
"""


def month_of(day: date) -> date:
    return day.replace(day=1)


async def refresh(conn: asyncpg.Connection, sql: str,
                  touched: Iterable[tuple[str, str, date]], totals: str | None = None) -> None:
    """Recompute the rollup rows of `touched` (prison_id, program_id, a day of the month), then
    with `totals` those programs' totals."""
    months = sorted({(prison, program, month_of(day)) for prison, program, day in touched})
    if months:
        await conn.execute(sql, *(list(column) for column in zip(*months, strict=True)))
    programs = sorted({(prison, program) for prison, program, _ in months})
    if totals and programs:
        await conn.execute(totals, *(list(column) for column in zip(*programs, strict=True)))
