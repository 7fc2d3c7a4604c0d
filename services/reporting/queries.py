"""Read-side queries over the reporting schema (unqualified names: the pool sets search_path)."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

import asyncpg

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
ORDER BY prison_id, signed_on, agreement_id
"""


async def list_agreements(
    conn: asyncpg.Connection,
    today: date,
    prison_id: str | None = None,
    partner_id: str | None = None,
    status: Status | None = None,
) -> list[dict[str, Any]]:
    """The contract's agreement items, ordered by prison_id, signed_on, agreement_id.

    Status depends on `today`, so it is computed here, not stored, by `agreement_status`; the
    status filter runs after the SQL filters (agreements number in the hundreds, not millions).
    """
    items = []
    for row in await conn.fetch(_LIST, prison_id, partner_id):
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
