"""A program's phase plan in the reports: `/programs/{id}`'s plan and phase counts, and the
roster `/programs/{id}/participants`.

A membership row holds only the last PhaseAdvanced of the current enrolment (`advanced_to`,
`advanced_on`); before any, the participant is in the plan's first phase since the enrolment.
The SQL below resolves that against the program row, in one place (`_PHASE`, `_SINCE`).
A program without a plan (launched before tracks, or without phases) has no phases: every
participant's `phase` and `phase_since` are null and `phase_counts` is `{}`.
"""

from __future__ import annotations

from typing import Any

import asyncpg
import orjson

_PHASE = "coalesce(m.advanced_to, p.phases->0->>'name')"
_SINCE = ("CASE WHEN m.advanced_to IS NOT NULL THEN m.advanced_on "
          "WHEN jsonb_array_length(p.phases) > 0 THEN m.enrolled_on END")

# Counted per phase over the active participants of the program in that prison.
PHASE_ACTIVE = f"""
     LATERAL (SELECT coalesce(jsonb_object_agg(c.phase, c.n), '{{}}') AS phase_active
              FROM (SELECT {_PHASE} AS phase, count(*) AS n
                    FROM memberships m
                    WHERE m.prison_id = p.prison_id AND m.program_id = p.program_id
                      AND m.status = 'active'
                    GROUP BY 1) c
              WHERE c.phase IS NOT NULL) f"""

_ROSTER = f"""
SELECT m.participant_id, m.status, m.enrolled_on, m.left_on, {_PHASE} AS phase,
       {_SINCE} AS phase_since
FROM memberships m
JOIN programs p ON p.prison_id = m.prison_id AND p.program_id = m.program_id
WHERE m.prison_id = $1 AND m.program_id = $2
ORDER BY m.enrolled_on, m.participant_id
"""


def with_plan(row: dict[str, Any]) -> dict[str, Any]:
    """A `/programs/{id}` row with its plan as a list and `phase_counts` in the plan's order,
    every phase of the plan present (0 when nobody active is in it)."""
    phases, counts = orjson.loads(row.pop("phases")), orjson.loads(row.pop("phase_active"))
    return {**row, "phases": phases,
            "phase_counts": {phase["name"]: counts.get(phase["name"], 0) for phase in phases}}


async def roster(conn: asyncpg.Connection, prison_id: str, program_id: str
                 ) -> list[dict[str, Any]]:
    """`/programs/{id}/participants`: one row per participant ever enrolled in the program of
    that prison, by their latest enrolment (`enrolled_on`; `left_on` null while active), with
    the phase they are in (or were in when they left) and since when; ordered by enrolled_on,
    participant_id."""
    return [dict(row) for row in await conn.fetch(_ROSTER, prison_id, program_id)]
