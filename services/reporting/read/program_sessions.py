"""The program page's session figures: held sessions per activity and month, and each
participant's attendance, counted as `session_figures` counts them for `/evaluation` (held
sessions only, by their WIB day `held_on`; (present + late) / (present + late + absent) over
the marks, corrections applied, excused marks left out)."""

from __future__ import annotations

from datetime import date
from typing import Any

import asyncpg

_MONTHS = """
SELECT to_char(held_on, 'YYYY-MM') AS month, activity, count(*) AS held
FROM sessions
WHERE prison_id = $1 AND program_id = $2 AND status = 'held' AND held_on <= $3
GROUP BY 1, 2 ORDER BY 1, 2
"""

_ATTENDANCE = """
SELECT mark.participant_id,
       count(*) FILTER (WHERE mark.status IN ('present', 'late')) AS attended,
       count(*) FILTER (WHERE mark.status IN ('present', 'late', 'absent')) AS counted
FROM sessions x CROSS JOIN LATERAL jsonb_each_text(x.marks) AS mark(participant_id, status)
WHERE x.prison_id = $1 AND x.program_id = $2 AND x.status = 'held' AND x.held_on <= $3
GROUP BY mark.participant_id
"""


async def program_sessions(conn: asyncpg.Connection, prison_id: str, program_id: str,
                           to: date) -> dict[str, Any]:
    """`months`: [{month (YYYY-MM), activity, held}] in order; `attendance`: participant_id
    -> {attended, counted, attendance_rate (null when counted is 0)}."""
    months = [dict(r) for r in await conn.fetch(_MONTHS, prison_id, program_id, to)]
    attendance = {
        r["participant_id"]: {"attended": r["attended"], "counted": r["counted"],
                              "attendance_rate": r["attended"] / r["counted"]
                              if r["counted"] else None}
        for r in await conn.fetch(_ATTENDANCE, prison_id, program_id, to)}
    return {"months": months, "attendance": attendance}
