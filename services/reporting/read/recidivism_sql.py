"""The rows `/recidivism` and `/recidivism/stock` compute from: every `releases` and
`participants` row of each person the report can concern (see `recidivism.py`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import asyncpg

from services.reporting.read.recidivism import Graduates, recidivism
from services.reporting.read.stock import stock

# People with a release or transfer dated by `to` (in the cohort year when given).
_PEOPLE = """
SELECT DISTINCT participant_id FROM releases
WHERE released_on <= $1 AND ($2::int IS NULL OR extract(year FROM released_on) = $2)
"""
_RELEASES = f"""
SELECT participant_id, n, prison_id, released_on, release_type, readmitted_on, conditional,
       to_prison_id, revoked_on
FROM releases WHERE participant_id IN ({_PEOPLE})
"""
_STAYS = f"""
SELECT participant_id, prison_id, admitted_on, died_on
FROM participants WHERE participant_id IN ({_PEOPLE})
"""
# Every completion (a completed enrolment span) of a program, narrowed to one program and to
# the programs under one partner's agreements when asked.
_COMPLETIONS = """
SELECT m.participant_id, m.prison_id, (s.span->>'ended_on')::date AS completed_on
FROM memberships m
JOIN programs p ON p.prison_id = m.prison_id AND p.program_id = m.program_id
LEFT JOIN agreements a ON a.prison_id = p.prison_id AND a.agreement_id = p.agreement_id
CROSS JOIN LATERAL jsonb_array_elements(m.spans) AS s(span)
WHERE s.span->>'outcome' = 'completed'
  AND ($1::text IS NULL OR (m.prison_id = $1 AND m.program_id = $2))
  AND ($3::text IS NULL OR a.partner_id = $3)
"""
# Every release and stay of the participant ids $1 (also: projections/outcomes.py).
OF_PEOPLE = """
SELECT participant_id, n, prison_id, released_on, release_type, readmitted_on, conditional,
       to_prison_id, revoked_on
FROM releases WHERE participant_id = ANY($1::text[])
""", """
SELECT participant_id, prison_id, admitted_on, died_on
FROM participants WHERE participant_id = ANY($1::text[])
"""
# Everyone registered by `on` in a prison (for the stock measure).
_STOCK_STAYS = """
SELECT participant_id, prison_id, admitted_on, died_on FROM participants
WHERE participant_id IN (SELECT participant_id FROM participants WHERE admitted_on <= $1)
"""
_STOCK_RELEASES = """
SELECT participant_id, n, prison_id, released_on, release_type, readmitted_on, conditional,
       to_prison_id, revoked_on
FROM releases WHERE participant_id IN (
    SELECT participant_id FROM participants WHERE admitted_on <= $1)
"""


async def recidivism_report(conn: asyncpg.Connection, to: date, cohort: int | None,
                            window: int | None, prison_id: str | None,
                            prisons: Sequence[str] | None = None,
                            graduates: Graduates | None = None) -> list[dict[str, Any]]:
    releases = await conn.fetch(_RELEASES, to, cohort)
    stays = await conn.fetch(_STAYS, to, cohort)
    only: dict[str, Any] = {}
    if graduates is not None:
        g = graduates
        only = {"graduated_in": g.year, "completions": await conn.fetch(
            _COMPLETIONS, g.program_prison_id, g.program_id, g.partner_id)}
    rows = recidivism(releases, stays, to, cohort=cohort,
                      **({} if window is None else {"windows": (window,)}), prisons=prisons,
                      **only)
    return [r for r in rows if prison_id is None or r["prison_id"] == prison_id]


async def stock_report(conn: asyncpg.Connection, on: date, prison_id: str | None,
                       prisons: Sequence[str] | None = None) -> list[dict[str, Any]]:
    releases = await conn.fetch(_STOCK_RELEASES, on)
    stays = await conn.fetch(_STOCK_STAYS, on)
    rows = stock(releases, stays, on, prisons=prisons)
    return [r for r in rows if prison_id is None or r["prison_id"] == prison_id]
