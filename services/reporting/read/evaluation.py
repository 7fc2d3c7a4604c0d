"""`/evaluation` and `/regional`: per-program figures counted in SQL over the read-model tables.

Every figure counts the facts by their own dates (memberships' spans, sessions' marks with
corrections applied, assessments, releases), so a back-dated or late-recorded fact counts by its
own date, whatever order it was recorded in. What does not depend on the window is kept in the
read-model as events arrive (issue 15): monthly rollups of sessions and memberships
(`projections/rollups.py`), each participant's score pair and each release's first return
(`projections/outcomes.py`); a national report sums those, and only the days at a window's
edges and the pairs with an assessment after `to` are counted from the rows.
The definitions the contract leaves open:

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
- Sessions: held sessions (never cancelled nor not held ones) whose WIB calendar day (`held_at`
  in UTC+7) is inside the window: `sessions_held`, `hours_by_activity` (minutes summed, then /
  60; only activities with a held session appear) and `attendance_rate` (marks as corrected);
  sessions not held, make-ups and compliance: see `session_figures`.
- `score_change`: per instrument, over the participants (above) with at least one `intake` and
  one `exit` assessment of that instrument recorded *for this program* (assessments without a
  program_id count for none), dated on or before `to` (`from` does not limit them): mean of
  last exit − first intake, first and last by `assessed_on`, then by recording order.
  `mid` and `follow_up` assessments, `urine_test` assessments (not a score: urine tests are
  counted as tests, `urine.py`) and `assessor_role` play no part. An assessment whose
  score is outside its instrument's range (`shared.instruments`; only events recorded before
  the commands bounded scores can hold one) counts as not recorded: it is left out (the first
  intake and last exit are taken among the others) and counted in `score_excluded`, per
  instrument. Differences and sums are exact (numeric), the mean is rounded once, to a float.
- Releases: a participant's release for a program is their first release in the program's
  prison dated on or after their first enrolment in it (earlier releases ended earlier stays;
  a later one, after a readmission, belongs to a later stay). A transfer (ParticipantTransferred
  or a v1 release of type `transfer`) is not a release (contract v2): never counted, never
  taken as the program's release. It counts when dated inside the window. The release type
  does not matter otherwise, nor whether or why the participant was withdrawn.
  `readmitted_Nm` uses the first admission after that very release (contract v2): a
  readmission or a registration in any prison, the arrival after a transfer excluded
  (`recidivism.Person.first_return`); a parole revocation is not a readmission (see
  `/recidivism`). Month arithmetic: `figures.add_months`.
- `/regional`: one row per prison that has a program, or an agreement signed on or before
  `to`, ordered by prison_id; fields: prison_id, the indicators above (enrolled … readmitted_24m),
  `agreements_active`, then the urine and the session fields. Counts are sums of the prison's
  program rows (a participant in two programs counts in both), rates and means are recomputed
  from the summed numerators and denominators (score_change: the mean over all the prison's
  qualifying participant-program pairs; hours: minutes summed, then / 60).
- Filters (`prison_id`, `kanwil_id`, the token's `prisons`) narrow the prison list before
  anything is counted: a filtered row equals that prison's row of the unfiltered report.
  `kanwil_id` keeps the prisons whose latest KanwilAssigned names that Kanwil (the `prisons`
  read model); an unknown Kanwil keeps none.
- `agreements_active`: see `agreements_active` below.
- Urine tests and violations (`urine_tests` … `violations_sanctioned`): see `urine.py`.
- Sessions not held, make-ups, compliance (`sessions_not_held` … `compliance_rate`): see
  `session_figures.py`.
- `track`: the program's track (null when not recorded: launched without one).
- Nothing is rounded; a rate with a zero denominator is null; `hours_by_activity` and
  `score_change` only hold keys with something behind them (`{}` otherwise).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from typing import Any

import asyncpg

from services.reporting.read.figures import RECIDIVISM_MONTHS, Figures, Window
from services.reporting.read.members import count_members
from services.reporting.read.queries import agreement_status
from services.reporting.read.scores import LATE, PAIRED, RANGES, WANTED, wanted_of
from services.reporting.read.session_figures import count_sessions
from services.reporting.read.urine import urine_figures

# The prisons whose latest KanwilAssigned names Kanwil $n (the `prisons` read model); every
# prison when $n is null. Narrows the prison list before anything is aggregated.
KANWIL = ("(${n}::text IS NULL OR {prison} IN "
          "(SELECT k.prison_id FROM prisons k WHERE k.kanwil_id = ${n}))")

_PROGRAMS = f"""
SELECT p.prison_id, a.partner_id, p.agreement_id, p.program_id, p.name AS program_name, p.track
FROM programs p
LEFT JOIN agreements a ON a.prison_id = p.prison_id AND a.agreement_id = p.agreement_id
WHERE ($1::text IS NULL OR p.prison_id = $1) AND ($2::text IS NULL OR a.partner_id = $2)
  AND ($3::text[] IS NULL OR p.prison_id = ANY($3))
  AND {KANWIL.format(prison="p.prison_id", n=4)}
ORDER BY p.prison_id, p.starts_on, p.program_id
"""

# The release of each participant's stay in the program's own prison (see the definitions),
# when dated inside the window ($3..$4), with the first admission after it (`returned_on`, kept
# by the participants projection: projections/outcomes.py). One row per such membership.
# (Driven from the releases, far fewer than the memberships: DISTINCT ON keeps the first.)
RELEASES = f"""
WITH {WANTED}
SELECT * FROM (
    SELECT DISTINCT ON (m.prison_id, m.program_id, m.participant_id)
           m.prison_id, m.program_id, m.participant_id, r.n, r.released_on, r.revoked_on,
           r.returned_on
    FROM releases r
    JOIN memberships m ON m.prison_id = r.prison_id AND m.participant_id = r.participant_id
    JOIN wanted w ON w.prison_id = m.prison_id AND w.program_id = m.program_id
    WHERE r.release_type <> 'transfer' AND r.released_on >= m.first_enrolled_on
      AND m.first_enrolled_on <= $4::date
    ORDER BY m.prison_id, m.program_id, m.participant_id, r.n) first
WHERE released_on BETWEEN $3::date AND $4::date
"""

# Those releases counted per program as `Figures.count_release` counts one: released at least
# N months before `to` when released_on + N months <= `to` (PostgreSQL clamps the day to the
# month's end, as `add_months` does), readmitted within N months when the return is dated on or
# before released_on + N months.
_COUNTS = ", ".join(f"""
       count(*) FILTER (WHERE released_on + interval '{n} months' <= $4::date) AS released_{n}m,
       count(*) FILTER (WHERE released_on + interval '{n} months' <= $4::date
                          AND returned_on <= released_on + interval '{n} months')
           AS readmitted_{n}m""" for n in RECIDIVISM_MONTHS)
_RELEASE_COUNTS = f"""
SELECT prison_id, program_id, count(*) AS released, {_COUNTS}
FROM ({RELEASES}) first
GROUP BY prison_id, program_id
"""

_AGREEMENTS = f"""
SELECT prison_id, effective_until, terminated_on, expired_on FROM agreements
WHERE signed_on <= $1 AND ($2::text[] IS NULL OR prison_id = ANY($2))
  AND ($3::text IS NULL OR prison_id = $3) AND {KANWIL.format(prison="prison_id", n=4)}
"""


ProgramKey = tuple[str, str]  # (prison_id, program_id)

# For the rest of the read's transaction: each statement planned for its values. A cached
# statement's generic plan (PostgreSQL's choice from its sixth run on) knows neither the
# programs asked for nor the window: the national evaluation ran 2x slower from its sixth call
# (300 → 650 ms at 1M events), the dashboard's quarters 4x. JIT, which the estimates of a
# read-model without statistics can call for, costs more than these short queries.
CUSTOM_PLANS = "SET LOCAL plan_cache_mode = force_custom_plan; SET LOCAL jit = off"
# Up to this many programs asked for (a prison, a Kanwil, a dashboard page), the generic plans
# do as well, and planning each query every time would cost a one-prison report ~3 ms of ~7.
MANY = 200


async def program_figures(conn: asyncpg.Connection, programs: list[ProgramKey], window: Window
                          ) -> dict[ProgramKey, Figures]:
    """Each program's numerators and denominators over `window`, from a few queries."""
    if len(programs) > MANY:
        await conn.execute(CUSTOM_PLANS)
    figures = {p: Figures() for p in programs}
    wanted = wanted_of(programs)
    span = (*wanted, window.start, window.end)

    def of(r: asyncpg.Record) -> Figures:
        return figures[r["prison_id"], r["program_id"]]

    await count_members(conn, figures, wanted, window)
    await count_sessions(conn, figures, wanted, window)
    for sql, ranges in ((PAIRED, ()), (LATE, RANGES)):
        for r in await conn.fetch(sql, *wanted, window.end, *ranges):
            of(r).count_scores(r)
    for r in await conn.fetch(_RELEASE_COUNTS, *span):
        of(r).count_releases(r)
    for key, urine in (await urine_figures(conn, *span)).items():
        figures[key].urine = urine
    return figures


def _key(program: asyncpg.Record) -> ProgramKey:
    return program["prison_id"], program["program_id"]


async def evaluation_report(conn: asyncpg.Connection, window: Window,
                            prison_id: str | None = None, partner_id: str | None = None,
                            prisons: Sequence[str] | None = None, kanwil_id: str | None = None
                            ) -> list[dict[str, Any]]:
    """The contract's `/evaluation` items: one row per program (see the module docstring);
    `prisons` (None: every prison) keeps those prisons' programs only, `kanwil_id` those of
    the prisons assigned to that Kanwil."""
    programs = await conn.fetch(_PROGRAMS, prison_id, partner_id, prisons, kanwil_id)
    figures = await program_figures(conn, [_key(p) for p in programs], window)
    return [_program_row(p, figures[_key(p)]) for p in programs]


def _program_row(program: asyncpg.Record, f: Figures) -> dict[str, Any]:
    """An `/evaluation` item, its fields in `EvaluationItem`'s order (`track` last)."""
    row = dict(program)
    track = row.pop("track")
    return {**row, **f.indicators(), **f.urine.indicators(), **f.session_indicators(),
            "track": track}


async def regional_report(conn: asyncpg.Connection, window: Window,
                          prisons: Sequence[str] | None = None, prison_id: str | None = None,
                          kanwil_id: str | None = None) -> list[dict[str, Any]]:
    """The contract's `/regional` items: one row per prison (see the module docstring), of
    `prisons` only when given, of `prison_id` only, of the prisons of Kanwil `kanwil_id` only:
    the rows of the unfiltered report of those prisons."""
    programs = await conn.fetch(_PROGRAMS, prison_id, None, prisons, kanwil_id)
    figures = await program_figures(conn, [_key(p) for p in programs], window)
    per_prison: dict[str, Figures] = {}
    for p in programs:  # most prisons have one program: its figures are the prison's
        own, prison = figures[_key(p)], p["prison_id"]
        per_prison[prison] = per_prison[prison] + own if prison in per_prison else own
    active = await agreements_active(conn, window.end, prisons, prison_id, kanwil_id)
    return [{"prison_id": prison, **f.indicators(), "agreements_active": active.get(prison, 0),
             **f.urine.indicators(), **f.session_indicators()}
            for prison in sorted(per_prison.keys() | active.keys())
            for f in (per_prison.get(prison) or Figures(),)]


async def agreements_active(conn: asyncpg.Connection, to: date,
                            prisons: Sequence[str] | None = None, prison_id: str | None = None,
                            kanwil_id: str | None = None) -> dict[str, int]:
    """Per prison, the agreements whose `/agreements` status on `to` is `active` or `expiring`
    (`queries.agreement_status` with `to` as today), with the facts dated by then: signed on or
    before `to`, a termination or an expiry counted only when dated on or before `to`. (The
    read model keeps only the current `effective_until`: an extension signed after `to` already
    counts.) Prisons with agreements but none active map to 0."""
    counts: dict[str, int] = defaultdict(int)
    for r in await conn.fetch(_AGREEMENTS, to, prisons, prison_id, kanwil_id):
        terminated = r["terminated_on"] if _by(r["terminated_on"], to) else None
        expired = r["expired_on"] if _by(r["expired_on"], to) else None
        status, _ = agreement_status(to, r["effective_until"], terminated, expired)
        counts[r["prison_id"]] += status in ("active", "expiring")
    return counts


def _by(day: date | None, to: date) -> bool:
    return day is not None and day <= to
