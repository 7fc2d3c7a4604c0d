"""The evaluation's member, session, score and release figures as they were computed before the
rollups and the kept outcomes (issue 15): straight from every `memberships` span, every
`sessions` mark, every assessment and every release (each release's readmission found in
Python from the person's rows), for one window.

Kept as the reference the rollup path must equal: the bench checks it on the largest log
(`reports.py`), the tests on hand-made scenarios across month edges
(tests/integration/test_rollup_equality.py). Not used by the service."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

import asyncpg

from services.reporting.read.evaluation import RELEASES, program_figures
from services.reporting.read.figures import Figures, Window
from services.reporting.read.members import ENDED_BY_TO, LATEST_BY_TO
from services.reporting.read.recidivism import people
from services.reporting.read.recidivism_sql import OF_PEOPLE
from services.reporting.read.scores import RANGES, SCORES, WANTED, wanted_of
from services.reporting.read.session_figures import NOT_HELD

MEMBERS = f"""
WITH {WANTED}
SELECT m.prison_id, m.program_id, count(*) AS enrolled,
       {ENDED_BY_TO}
FROM wanted w
JOIN memberships m ON m.prison_id = w.prison_id AND m.program_id = w.program_id
{LATEST_BY_TO}
WHERE m.first_enrolled_on <= $4
GROUP BY m.prison_id, m.program_id
"""

HELD = f"""
WITH {WANTED}
SELECT x.prison_id, x.program_id, x.activity, count(*) AS held,
       sum(x.duration_minutes) AS minutes,
       sum(k.attended)::bigint AS attended, sum(k.counted)::bigint AS counted,
       sum(k.compliant)::bigint AS compliant, sum(k.graded)::bigint AS graded
FROM wanted w
JOIN sessions x ON x.prison_id = w.prison_id AND x.program_id = w.program_id
CROSS JOIN LATERAL (
    SELECT count(*) FILTER (WHERE status IN ('present', 'late')) AS attended,
           count(*) FILTER (WHERE status IN ('present', 'late', 'absent')) AS counted,
           count(*) FILTER (WHERE status IN ('present', 'late')
                              AND x.compliance ->> participant_id = 'compliant') AS compliant,
           count(*) FILTER (WHERE status IN ('present', 'late')
                              AND x.compliance ? participant_id) AS graded
    FROM jsonb_each_text(x.marks) AS mark(participant_id, status)) k
WHERE x.status = 'held' AND x.held_on BETWEEN $3 AND $4
GROUP BY x.prison_id, x.program_id, x.activity
"""

Key = tuple[str, str]
COUNTERS = ("minutes_by_activity", "not_held_by_reason", "score_sums", "score_counts",
            "score_excluded", "released_after", "readmitted_within")
FIELDS = ("enrolled", "completed", "withdrawn", "sessions_held", "minutes_by_activity",
          "attended", "counted", "compliant", "graded", "not_held_by_reason", "score_sums",
          "score_counts", "score_excluded", "released", "released_after", "readmitted_within")


def _zero() -> dict[str, Any]:
    return {f: Counter() if f in COUNTERS else 0 for f in FIELDS}


async def reference(conn: asyncpg.Connection, programs: list[Key], window: Window
                    ) -> dict[Key, dict[str, Any]]:
    """The FIELDS of each program over `window`, by the pre-rollup queries."""
    out = {p: _zero() for p in programs}
    span = (*wanted_of(programs), window.start, window.end)
    for r in await conn.fetch(MEMBERS, *span):
        out[r["prison_id"], r["program_id"]].update(
            enrolled=r["enrolled"], completed=r["completed"], withdrawn=r["withdrawn"])
    for r in await conn.fetch(HELD, *span):
        f = out[r["prison_id"], r["program_id"]]
        f["sessions_held"] += r["held"]
        f["minutes_by_activity"][r["activity"]] += r["minutes"]
        for name in ("attended", "counted", "compliant", "graded"):
            f[name] += r[name]
    for r in await conn.fetch(NOT_HELD, *span):
        out[r["prison_id"], r["program_id"]]["not_held_by_reason"][r["reason"]] += r["n"]
    for r in await conn.fetch(SCORES, *wanted_of(programs), window.end, *RANGES):
        f = out[r["prison_id"], r["program_id"]]
        for name, column in (("score_sums", "total"), ("score_counts", "n"),
                             ("score_excluded", "excluded")):
            f[name][r["instrument"]] += r[column]
    await _releases(conn, span, window, out)
    return out


async def _releases(conn: asyncpg.Connection, span: tuple, window: Window,
                    out: dict[Key, dict[str, Any]]) -> None:
    """Each release counted one by one (`Figures.count_release`), its readmission the first
    admission after it found from all of the person's rows (`Person.first_return`)."""
    released = await conn.fetch(RELEASES, *span)
    ids = sorted({r["participant_id"] for r in released})
    found = people(*[await conn.fetch(sql, ids) for sql in OF_PEOPLE]) if ids else {}
    for r in released:
        back = found[r["participant_id"]].first_return(r, date.max, revocation=False)
        one = Figures()
        one.count_release(r["released_on"], None if back is None else back.on, window.end)
        f = out[r["prison_id"], r["program_id"]]
        f["released"] += one.released
        f["released_after"] += one.released_after
        f["readmitted_within"] += one.readmitted_within


async def rolled(conn: asyncpg.Connection, programs: list[Key], window: Window
                 ) -> dict[Key, dict[str, Any]]:
    """The same FIELDS as the service computes them (`program_figures`). (Counters compare
    missing keys as zeros; a score sum may be negative, so nothing is dropped.)"""
    figures = await program_figures(conn, programs, window)
    return {p: {f: getattr(figures[p], f) for f in FIELDS} for p in programs}


async def differences(conn: asyncpg.Connection, programs: list[Key], window: Window
                      ) -> list[tuple[Key, str, Any, Any]]:
    """(program, field, reference, service) wherever the two disagree; [] when equal."""
    want, got = await reference(conn, programs, window), await rolled(conn, programs, window)
    return [(p, f, want[p][f], got[p][f]) for p in programs for f in FIELDS
            if want[p][f] != got[p][f]]
