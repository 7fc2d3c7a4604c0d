"""`GET /quotas`: target vs realised ("target vs realisasi") per prison, Kanwil and nation.

- target: the prison's QuotaSet in force for (year, track), null when none was set; summed
  over the prisons that have one above prison level (null when none has).
- realised: distinct participants enrolled (any enrolment span's `enrolled_on` in the year)
  in a program of that track (ProgramLaunched v2 `track`) of the prison; summed above.
- realisation_rate: realised / target, null when the target is 0 or null.
- prisons_without_target: the prisons in the row with no target set for (year, track).
A prison is in the report when a region assigned it or set a quota for it, or when it
realised anything that year; its Kanwil is the latest assignment (null: none yet).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, get_args

import asyncpg
import orjson

from shared.contract.fields import Track

TRACKS: tuple[str, ...] = get_args(Track)
Row = dict[str, Any]

_PRISONS = "SELECT prison_id, kanwil_id, quotas FROM prisons"
_REALISED = """
SELECT m.prison_id, p.track, count(DISTINCT m.participant_id) AS realised
FROM memberships m JOIN programs p USING (prison_id, program_id)
WHERE p.track IS NOT NULL AND EXISTS (
    SELECT 1 FROM jsonb_array_elements(m.spans) s
    WHERE extract(year FROM (s->>'enrolled_on')::date) = $1)
GROUP BY m.prison_id, p.track
"""

_KANWILS = """
SELECT DISTINCT ON (kanwil_id) kanwil_id, kanwil_name FROM prisons
WHERE kanwil_id IS NOT NULL AND ($1::text[] IS NULL OR prison_id = ANY($1))
ORDER BY kanwil_id, assigned_on DESC, prison_id
"""


async def kanwil_list(conn: asyncpg.Connection, prisons: Sequence[str] | None = None
                      ) -> list[Row]:
    """`{kanwil_id, kanwil_name}` of every Kanwil a prison (of `prisons`, when given) is
    assigned to, ordered by kanwil_id; the name of its latest assignment."""
    return [dict(r) for r in await conn.fetch(_KANWILS, prisons)]


async def quota_rows(conn: asyncpg.Connection, year: int, tracks: Sequence[str]) -> list[Row]:
    """The prison-level rows of `year` for `tracks`, every prison of the report."""
    units = {r["prison_id"]: (r["kanwil_id"], orjson.loads(r["quotas"]))
             for r in await conn.fetch(_PRISONS)}
    realised = {(r["prison_id"], r["track"]): r["realised"]
                for r in await conn.fetch(_REALISED, year)}
    return prison_rows(year, tracks, units, realised)


def prison_rows(year: int, tracks: Sequence[str],
                units: dict[str, tuple[str | None, list[dict[str, Any]]]],
                realised: dict[tuple[str, str], int]) -> list[Row]:
    """One row per prison and track, ordered by prison_id then the tracks' order."""
    prisons = sorted({*units, *(p for p, _ in realised)})
    rows = []
    for prison in prisons:
        kanwil, quotas = units.get(prison, (None, []))
        targets = {q["track"]: q["target"] for q in quotas if q["year"] == year}
        for track in tracks:
            target = targets.get(track)
            rows.append(_row(year, "prison", kanwil, prison, track, target,
                             realised.get((prison, track), 0), int(target is None)))
    return rows


def roll_up(rows: Iterable[Row], level: str) -> list[Row]:
    """Prison rows summed per Kanwil (`kanwil`; null Kanwil: the prisons not assigned yet,
    last) or per track (`national`), in the same track order."""
    groups: dict[tuple[str | None, str], list[Row]] = {}
    for row in rows:
        kanwil = row["kanwil_id"] if level == "kanwil" else None
        groups.setdefault((kanwil, row["track"]), []).append(row)
    out = []
    for (kanwil, track), members in groups.items():
        targets = [r["target"] for r in members if r["target"] is not None]
        out.append(_row(members[0]["year"], level, kanwil, None, track,
                        sum(targets) if targets else None, sum(r["realised"] for r in members),
                        sum(r["prisons_without_target"] for r in members)))
    return sorted(out, key=lambda r: (r["kanwil_id"] is None, r["kanwil_id"] or "",
                                      TRACKS.index(r["track"])))


def _row(year: int, level: str, kanwil: str | None, prison: str | None, track: str,
         target: int | None, realised: int, without: int) -> Row:
    return {"year": year, "level": level, "kanwil_id": kanwil, "prison_id": prison,
            "track": track, "target": target, "realised": realised,
            "realisation_rate": realised / target if target else None,
            "prisons_without_target": without}
