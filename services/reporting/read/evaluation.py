"""`/evaluation` and `/regional`: per-program figures counted in SQL over the read-model tables.

Every figure is recomputed from the facts at query time (memberships' spans, sessions' marks
with corrections applied, assessments, releases), so a back-dated or late-recorded fact counts
by its own date, whatever order it was recorded in. The definitions the contract leaves open:

- Programs: every program matching the filters, also one not started yet (zeros). A program,
  its agreement, sessions, memberships, assessments and releases are matched by (prison_id, id):
  ids are unique within a prison only. `partner_id` is the partner of the program's agreement
  (program → agreement of the same prison → partner); the filter keeps
  programs whose agreement has that partner. Rows are ordered by prison_id, starts_on,
  program_id.
- A program's participants: those whose first enrolment in it is on or before `to`, each
  counted once however many times they were enrolled (`enrolled`); `from` does not limit them.
- `completed` / `withdrawn`: participants whose latest enrolment that began on or before `to`
  ended by a completion / a withdrawal dated inside the window (any reason, `released`
  included). Someone withdrawn and enrolled again by `to` counts by the later enrolment (as in
  `/programs`). `active` = enrolled − completed − withdrawn, exactly as the contract writes it:
  with a `from`, a participant who left before `from` is therefore counted as active.
- Sessions: held sessions (never cancelled ones) whose WIB calendar day (`held_at` in UTC+7) is
  inside the window: `sessions_held`, `hours_by_activity` (minutes summed, then / 60; only
  activities with a held session appear) and `attendance_rate` (marks as corrected).
- `score_change`: per instrument, over the participants (above) with at least one `intake` and
  one `exit` assessment of that instrument recorded *for this program* (assessments without a
  program_id count for none), dated on or before `to` (`from` does not limit them): mean of
  last exit − first intake, first and last by `assessed_on`, then by recording order.
  `mid` and `follow_up` assessments and `assessor_role` play no part. An assessment whose
  score is outside its instrument's range (`shared.instruments`; only events recorded before
  the commands bounded scores can hold one) counts as not recorded: it is left out (the first
  intake and last exit are taken among the others) and counted in `score_excluded`, per
  instrument. Differences and sums are exact (numeric), the mean is rounded once, to a float.
- Releases: a participant's release for a program is their first release dated on or after
  their first enrolment in it (earlier releases ended earlier stays; a later one, after a
  readmission, belongs to a later stay). It counts when dated inside the window. The release
  type does not matter, nor whether or why the participant was withdrawn. `readmitted_Nm` uses
  the readmission that ended that very release. Month arithmetic: `figures.add_months`.
- `/regional`: one row per prison that has a program, or an agreement signed on or before
  `to`, ordered by prison_id; fields: prison_id, the indicators above (enrolled … readmitted_24m)
  and `agreements_active`. Counts are sums of the prison's program rows (a participant in two
  programs counts in both), rates and means are recomputed from the summed numerators and
  denominators (score_change: the mean over all the prison's qualifying participant-program
  pairs; hours: minutes summed, then / 60).
- `agreements_active`: see `agreements_active` below.
- Nothing is rounded; a rate with a zero denominator is null; `hours_by_activity` and
  `score_change` only hold keys with something behind them (`{}` otherwise).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from typing import Any

import asyncpg

from services.reporting.read.figures import Figures, Window
from services.reporting.read.queries import agreement_status
from shared.instruments import SCORE_RANGES

_PROGRAMS = """
SELECT p.program_id, p.prison_id, a.partner_id, p.agreement_id, p.name AS program_name, p.track
FROM programs p
LEFT JOIN agreements a ON a.prison_id = p.prison_id AND a.agreement_id = p.agreement_id
WHERE ($1::text IS NULL OR p.prison_id = $1) AND ($2::text IS NULL OR a.partner_id = $2)
  AND ($3::text[] IS NULL OR p.prison_id = ANY($3))
ORDER BY p.prison_id, p.starts_on, p.program_id
"""

# The programs asked for, as (prison_id, program_id) pairs: ids are unique within a prison only,
# so every join below also matches the prison.
_WANTED = "wanted AS (SELECT * FROM unnest($1::text[], $2::text[]) AS w(prison_id, program_id))"

# The participant's latest enrolment that began by `to`: spans are in event order.
_MEMBERS = f"""
WITH {_WANTED}
SELECT m.prison_id, m.program_id, count(*) AS enrolled,
       count(*) FILTER (WHERE last.outcome = 'completed' AND last.ended_on BETWEEN $3 AND $4)
           AS completed,
       count(*) FILTER (WHERE last.outcome = 'withdrawn' AND last.ended_on BETWEEN $3 AND $4)
           AS withdrawn
FROM wanted w
JOIN memberships m ON m.prison_id = w.prison_id AND m.program_id = w.program_id
CROSS JOIN LATERAL (
    SELECT s->>'outcome' AS outcome, (s->>'ended_on')::date AS ended_on
    FROM jsonb_array_elements(m.spans) WITH ORDINALITY AS e(s, i)
    WHERE (s->>'enrolled_on')::date <= $4
    ORDER BY i DESC LIMIT 1) last
WHERE m.first_enrolled_on <= $4
GROUP BY m.prison_id, m.program_id
"""

_SESSIONS = f"""
WITH {_WANTED}
SELECT x.prison_id, x.program_id, x.activity, count(*) AS held,
       sum(x.duration_minutes) AS minutes,
       sum(k.attended)::bigint AS attended, sum(k.counted)::bigint AS counted
FROM wanted w
JOIN sessions x ON x.prison_id = w.prison_id AND x.program_id = w.program_id
CROSS JOIN LATERAL (
    SELECT count(*) FILTER (WHERE status IN ('present', 'late')) AS attended,
           count(*) FILTER (WHERE status IN ('present', 'late', 'absent')) AS counted
    FROM jsonb_each_text(x.marks) AS mark(participant_id, status)) k
WHERE x.status = 'held' AND x.held_on BETWEEN $3 AND $4
GROUP BY x.prison_id, x.program_id, x.activity
"""

# A score outside its instrument's range (`shared.instruments`; $4..$7 carry the table) is
# treated as not recorded and counted apart. Differences and sums are numeric, exactly: a float
# difference can overflow, and a float sum depends on the order rows are scanned in (a replayed
# schema, `?as_of=`, must give the same bytes as the live one).
_SCORES = f"""
WITH {_WANTED}, checked AS (
    SELECT a.prison_id, a.program_id, a.participant_id, a.instrument, a.phase, a.score,
           a.assessed_on, a.version,
           coalesce(a.score BETWEEN r.low AND r.high
                    AND (NOT r.whole OR a.score = trunc(a.score)), false) AS admitted
    FROM wanted w
    JOIN assessments a ON a.prison_id = w.prison_id AND a.program_id = w.program_id
    JOIN memberships m ON m.prison_id = a.prison_id AND m.program_id = a.program_id
                      AND m.participant_id = a.participant_id
    LEFT JOIN unnest($4::text[], $5::float8[], $6::float8[], $7::bool[])
        AS r(instrument, low, high, whole) ON r.instrument = a.instrument
    WHERE a.phase IN ('intake', 'exit') AND a.assessed_on <= $3 AND m.first_enrolled_on <= $3),
ranked AS (
    SELECT *,
           row_number() OVER (PARTITION BY prison_id, program_id, participant_id, instrument,
                                           phase
                              ORDER BY assessed_on, version) AS nth,
           row_number() OVER (PARTITION BY prison_id, program_id, participant_id, instrument,
                                           phase
                              ORDER BY assessed_on DESC, version DESC) AS nth_last
    FROM checked WHERE admitted),
changes AS (
    SELECT i.prison_id, i.program_id, i.instrument, count(*) AS n,
           sum(x.score::numeric - i.score::numeric) AS total
    FROM ranked i
    JOIN ranked x ON x.prison_id = i.prison_id AND x.program_id = i.program_id
                 AND x.participant_id = i.participant_id AND x.instrument = i.instrument
                 AND x.phase = 'exit' AND x.nth_last = 1
    WHERE i.phase = 'intake' AND i.nth = 1
    GROUP BY i.prison_id, i.program_id, i.instrument),
excluded AS (
    SELECT prison_id, program_id, instrument, count(*) AS n FROM checked WHERE NOT admitted
    GROUP BY prison_id, program_id, instrument)
SELECT prison_id, program_id, instrument, coalesce(c.n, 0) AS n, coalesce(c.total, 0) AS total,
       coalesce(e.n, 0) AS excluded
FROM changes c FULL JOIN excluded e USING (prison_id, program_id, instrument)
"""
_RANGES = (list(SCORE_RANGES), [r.low for r in SCORE_RANGES.values()],
           [r.high for r in SCORE_RANGES.values()], [r.whole for r in SCORE_RANGES.values()])

# The release of the participant's stay in the program's own prison.
_RELEASES = f"""
WITH {_WANTED}
SELECT m.prison_id, m.program_id, r.released_on, r.readmitted_on
FROM wanted w
JOIN memberships m ON m.prison_id = w.prison_id AND m.program_id = w.program_id
CROSS JOIN LATERAL (
    SELECT released_on, readmitted_on FROM releases
    WHERE prison_id = m.prison_id AND participant_id = m.participant_id
      AND released_on >= m.first_enrolled_on
    ORDER BY n LIMIT 1) r
WHERE m.first_enrolled_on <= $4 AND r.released_on BETWEEN $3 AND $4
"""

_AGREEMENTS = """
SELECT prison_id, effective_until, terminated_on, expired_on FROM agreements
WHERE signed_on <= $1 AND ($2::text[] IS NULL OR prison_id = ANY($2))
"""


ProgramKey = tuple[str, str]  # (prison_id, program_id)


async def program_figures(conn: asyncpg.Connection, programs: list[ProgramKey], window: Window
                          ) -> dict[ProgramKey, Figures]:
    """Each program's numerators and denominators over `window`, from four queries."""
    figures = {p: Figures() for p in programs}
    wanted = ([prison for prison, _ in programs], [program for _, program in programs])
    span = (*wanted, window.start, window.end)

    def of(r: asyncpg.Record) -> Figures:
        return figures[r["prison_id"], r["program_id"]]

    for r in await conn.fetch(_MEMBERS, *span):
        f = of(r)
        f.enrolled, f.completed, f.withdrawn = r["enrolled"], r["completed"], r["withdrawn"]
    for r in await conn.fetch(_SESSIONS, *span):
        f = of(r)
        f.sessions_held += r["held"]
        f.minutes_by_activity[r["activity"]] += r["minutes"]
        f.attended += r["attended"]
        f.counted += r["counted"]
    for r in await conn.fetch(_SCORES, *wanted, window.end, *_RANGES):
        f = of(r)
        f.score_sums[r["instrument"]] += r["total"]
        f.score_counts[r["instrument"]] += r["n"]
        f.score_excluded[r["instrument"]] += r["excluded"]
    for r in await conn.fetch(_RELEASES, *span):
        of(r).count_release(r["released_on"], r["readmitted_on"], window.end)
    return figures


def _key(program: asyncpg.Record) -> ProgramKey:
    return program["prison_id"], program["program_id"]


async def evaluation_report(conn: asyncpg.Connection, window: Window,
                            prison_id: str | None = None, partner_id: str | None = None,
                            prisons: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """The contract's `/evaluation` items: one row per program (see the module docstring);
    `prisons` (None: every prison) keeps those prisons' programs only."""
    programs = await conn.fetch(_PROGRAMS, prison_id, partner_id, prisons)
    figures = await program_figures(conn, [_key(p) for p in programs], window)
    return [{**dict(p), **figures[_key(p)].indicators()} for p in programs]


async def regional_report(conn: asyncpg.Connection, window: Window,
                          prisons: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """The contract's `/regional` items: one row per prison (see the module docstring), of
    `prisons` only when given."""
    programs = await conn.fetch(_PROGRAMS, None, None, prisons)
    figures = await program_figures(conn, [_key(p) for p in programs], window)
    per_prison: dict[str, Figures] = defaultdict(Figures)
    for p in programs:
        per_prison[p["prison_id"]] += figures[_key(p)]
    active = await agreements_active(conn, window.end, prisons)
    return [{"prison_id": prison, **per_prison[prison].indicators(),
             "agreements_active": active.get(prison, 0)}
            for prison in sorted(per_prison.keys() | active.keys())]


async def agreements_active(conn: asyncpg.Connection, to: date,
                            prisons: Sequence[str] | None = None) -> dict[str, int]:
    """Per prison, the agreements whose `/agreements` status on `to` is `active` or `expiring`
    (`queries.agreement_status` with `to` as today), with the facts dated by then: signed on or
    before `to`, a termination or an expiry counted only when dated on or before `to`. (The
    read model keeps only the current `effective_until`: an extension signed after `to` already
    counts.) Prisons with agreements but none active map to 0."""
    counts: dict[str, int] = defaultdict(int)
    for r in await conn.fetch(_AGREEMENTS, to, prisons):
        terminated = r["terminated_on"] if _by(r["terminated_on"], to) else None
        expired = r["expired_on"] if _by(r["expired_on"], to) else None
        status, _ = agreement_status(to, r["effective_until"], terminated, expired)
        counts[r["prison_id"]] += status in ("active", "expiring")
    return counts


def _by(day: date | None, to: date) -> bool:
    return day is not None and day <= to
