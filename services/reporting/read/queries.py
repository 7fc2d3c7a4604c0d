"""Read-side queries over the reporting schema (unqualified names: the pool sets search_path)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, Literal

import asyncpg

from services.reporting.read.phases import PHASE_ACTIVE, with_plan

Status = Literal["active", "expiring", "expired", "terminated"]
STATUSES: tuple[str, ...] = ("active", "expiring", "expired", "terminated")
EXPIRING_WITHIN_DAYS = 60


def agreement_status(
    today: date,
    effective_until: date,
    terminated_on: date | None = None,
    expired_on: date | None = None,
) -> tuple[Status, int]:
    """`(status, days_left)` of an agreement on `today`.

    - `effective_until` is the last day the agreement is in force: on that day it is still
      `expiring` with `days_left` 0; the day after it is `expired`.
    - `terminated` wins whenever an AgreementTerminated was recorded (whatever `terminated_on`);
      then `expired` when today is past `effective_until` or an AgreementExpired was recorded;
      then `expiring` when `days_left` <= 60; else `active`. An agreement signed but not yet in
      force (`effective_from` in the future) counts as `active`: the contract has no other status.
    - `days_left` = (effective_until - today) in days, floored at 0, and 0 for `expired` and
      `terminated` agreements.
    """
    if terminated_on is not None:
        return "terminated", 0
    days_left = (effective_until - today).days
    if days_left < 0 or expired_on is not None:
        return "expired", 0
    return ("expiring" if days_left <= EXPIRING_WITHIN_DAYS else "active"), days_left


_LIST = """
SELECT agreement_id, prison_id, partner_id, partner_name, number, title, services,
       signed_on, effective_from, effective_until, extensions, terminated_on, expired_on
FROM agreements
WHERE ($1::text IS NULL OR prison_id = $1) AND ($2::text IS NULL OR partner_id = $2)
  AND ($3::text[] IS NULL OR prison_id = ANY($3))
ORDER BY prison_id, signed_on, agreement_id
"""


async def list_agreements(
    conn: asyncpg.Connection,
    today: date,
    prison_id: str | None = None,
    partner_id: str | None = None,
    status: Status | None = None,
    prisons: Sequence[str] | None = None,
) -> list[dict[str, Any]]:
    """The contract's agreement items, ordered by prison_id, signed_on, agreement_id.

    Status depends on `today`, so it is computed here, not stored, by `agreement_status`; the
    status filter runs after the SQL filters (agreements number in the hundreds, not millions).
    `prisons` (None: every prison) keeps those prisons' agreements only, in SQL.
    """
    items = []
    for row in await conn.fetch(_LIST, prison_id, partner_id, prisons):
        row_status, days_left = agreement_status(
            today, row["effective_until"], row["terminated_on"], row["expired_on"])
        if status is not None and row_status != status:
            continue
        items.append({
            "agreement_id": row["agreement_id"],
            "prison_id": row["prison_id"],
            "partner_id": row["partner_id"],
            "partner_name": row["partner_name"],
            "number": row["number"],
            "title": row["title"],
            "services": list(row["services"]),
            "signed_on": row["signed_on"].isoformat(),
            "effective_from": row["effective_from"].isoformat(),
            "effective_until": row["effective_until"].isoformat(),
            "status": row_status,
            "days_left": days_left,
            "extensions": row["extensions"],
        })
    return items


# Counts come from the rows, the rate from the marks, at query time: nothing is stored
# pre-aggregated, so a correction or a late event changes the figures as soon as it is applied.
_PROGRAM = """
SELECT p.program_id, p.prison_id, p.agreement_id, p.name, p.cohort, p.capacity,
       CASE WHEN p.closed_on IS NULL THEN 'open' ELSE 'closed' END AS status,
       m.enrolled, m.active, m.completed, m.withdrawn, s.sessions_held,
       CASE WHEN a.counted = 0 THEN NULL ELSE a.attended::float8 / a.counted END
           AS attendance_rate,
       p.track, p.planned_days, p.phases, f.phase_active
FROM programs p,
     LATERAL (SELECT count(*) AS enrolled,
                     count(*) FILTER (WHERE status = 'active') AS active,
                     count(*) FILTER (WHERE status = 'completed') AS completed,
                     count(*) FILTER (WHERE status = 'withdrawn') AS withdrawn
              FROM memberships WHERE prison_id = p.prison_id AND program_id = p.program_id) m,
     LATERAL (SELECT count(*) AS sessions_held FROM sessions
              WHERE prison_id = p.prison_id AND program_id = p.program_id AND status = 'held') s,
     LATERAL (SELECT count(*) FILTER (WHERE k.status IN ('present', 'late')) AS attended,
                     count(*) FILTER (WHERE k.status IN ('present', 'late', 'absent')) AS counted
              FROM sessions x CROSS JOIN LATERAL jsonb_each_text(x.marks) AS k(pid, status)
              WHERE x.prison_id = p.prison_id AND x.program_id = p.program_id
                AND x.status = 'held') a,""" + PHASE_ACTIVE + """
WHERE p.program_id = $1 AND ($2::text IS NULL OR p.prison_id = $2)
ORDER BY p.prison_id
"""


async def program_report(conn: asyncpg.Connection, program_id: str,
                         prison_id: str | None = None) -> list[dict[str, Any]]:
    """The contract's `/programs/{program_id}` body of the program of that id in each prison
    that has one (only `prison_id`'s when given), ordered by prison: empty when unknown.

    Ids are unique within a prison only: every count reads that prison's rows alone.
    - `enrolled`: distinct participants ever enrolled; `active`, `completed`, `withdrawn`:
      participants whose latest enrolment is in that state (so active = enrolled − completed −
      withdrawn). Someone withdrawn and enrolled again counts once, by their current state.
    - `status`: `closed` once ProgramClosed was recorded, else `open` (also past `ends_on`).
    - `sessions_held`: held sessions; scheduled and cancelled ones do not count.
    - `attendance_rate`: (present + late) / (present + late + absent) over the marks of held
      sessions, corrections applied, excused left out; unrounded; null when nobody counts.
    - `track`, `planned_days`, `phases` (the plan), `phase_counts`: see `read.phases`.
    """
    return [with_plan(dict(row)) for row in await conn.fetch(_PROGRAM, program_id, prison_id)]
