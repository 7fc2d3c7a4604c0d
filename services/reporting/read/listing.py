"""Which rows `/regional` and `/evaluation` would answer, without computing them: the prison ids
and the program keys, in the reports' order, under the same filters, and the partners of the
agreements (issue 15). The dashboard lists them in its filters and pages its tables with them,
computing only one page's rows."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import asyncpg

from services.reporting.read.evaluation import KANWIL

# `/regional`'s prisons: a program, or an agreement signed on or before `to` ($1); of the
# token's prisons ($2), of Kanwil $3.
_PRISONS = f"""
SELECT prison_id FROM programs
WHERE ($2::text[] IS NULL OR prison_id = ANY($2)) AND {KANWIL.format(prison="prison_id", n=3)}
UNION
SELECT prison_id FROM agreements
WHERE signed_on <= $1 AND ($2::text[] IS NULL OR prison_id = ANY($2))
  AND {KANWIL.format(prison="prison_id", n=3)}
ORDER BY prison_id
"""

# `/evaluation`'s programs, in its order: of prison $1, under an agreement with partner $2, of
# the token's prisons $3, of Kanwil $4.
_PROGRAMS = f"""
SELECT p.prison_id, p.program_id FROM programs p
WHERE ($1::text IS NULL OR p.prison_id = $1) AND ($3::text[] IS NULL OR p.prison_id = ANY($3))
  AND ($2::text IS NULL OR EXISTS (
      SELECT 1 FROM agreements a
      WHERE a.prison_id = p.prison_id AND a.agreement_id = p.agreement_id
        AND a.partner_id = $2))
  AND {KANWIL.format(prison="p.prison_id", n=4)}
ORDER BY p.prison_id, p.starts_on, p.program_id
"""

# The partners of the token's prisons' ($1) agreements, with each name they were signed under.
_PARTNERS = """
SELECT DISTINCT partner_id, partner_name FROM agreements
WHERE $1::text[] IS NULL OR prison_id = ANY($1)
ORDER BY partner_id, partner_name
"""


async def prison_ids(conn: asyncpg.Connection, to: date, prisons: Sequence[str] | None = None,
                     kanwil_id: str | None = None) -> list[str]:
    """The `prison_id`s of the `/regional` rows on `to`, ordered."""
    return [r["prison_id"] for r in await conn.fetch(_PRISONS, to, prisons, kanwil_id)]


async def program_keys(conn: asyncpg.Connection, prison_id: str | None, partner_id: str | None,
                       prisons: Sequence[str] | None = None, kanwil_id: str | None = None
                       ) -> list[tuple[str, str]]:
    """`(prison_id, program_id)` of the `/evaluation` rows, in its order."""
    rows = await conn.fetch(_PROGRAMS, prison_id, partner_id, prisons, kanwil_id)
    return [(r["prison_id"], r["program_id"]) for r in rows]


async def partners(conn: asyncpg.Connection, prisons: Sequence[str] | None = None
                   ) -> list[tuple[str, str]]:
    """`(partner_id, partner_name)` of the agreements `/agreements` lists, ordered."""
    return [(r["partner_id"], r["partner_name"]) for r in await conn.fetch(_PARTNERS, prisons)]
