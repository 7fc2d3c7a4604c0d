"""What `/evaluation` reads per participant, kept up to date by the participants projection as
events arrive (issue 15), so that a national report reads them instead of recomputing them for
every person in the country:

- `score_pairs`: per participant, program and instrument, the first intake, the last exit and
  the scores left out, over all of the participant's assessments, with `through`, the latest
  `assessed_on` behind them (`read/scores.py` says how a report uses them).
- `releases.returned_on`: for each release, the day of the first admission after it in any
  prison (contract v2: a readmission or a registration; a transfer's arrival is none;
  `Person.first_return` without revocations), or null.

Both are recomputed from the base rows, in the batch's transaction, for the participants whose
assessments (pairs) or stays and releases (returns) the batch changed — for a return, in every
prison, since a readmission in one prison ends a release in another. Never incremented: a
redelivered event changes nothing, and a rebuild gives the same rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import asyncpg

from services.reporting.read.recidivism import people
from services.reporting.read.recidivism_sql import OF_PEOPLE
from services.reporting.read.scores import PAIRS, RANGES

DDL = """
CREATE TABLE IF NOT EXISTS score_pairs (
    prison_id text NOT NULL,
    participant_id text NOT NULL,
    program_id text NOT NULL,
    instrument text NOT NULL,
    intake float8,
    exit float8,
    excluded int NOT NULL,
    through date NOT NULL,
    PRIMARY KEY (prison_id, participant_id, program_id, instrument)
);
CREATE INDEX IF NOT EXISTS score_pairs_program_idx ON score_pairs (prison_id, program_id);
"""

_RETURNED = """
UPDATE releases r SET returned_on = u.returned_on
FROM unnest($1::text[], $2::text[], $3::int[], $4::date[]) AS u(prison_id, participant_id, n,
                                                               returned_on)
WHERE r.prison_id = u.prison_id AND r.participant_id = u.participant_id AND r.n = u.n
  AND r.returned_on IS DISTINCT FROM u.returned_on
"""


async def refresh_pairs(conn: asyncpg.Connection, assessed: Iterable[tuple[str, str]]) -> None:
    """Recompute the score pairs of these (prison_id, participant_id)."""
    keys = sorted(set(assessed))
    if keys:
        await conn.execute(PAIRS, [p for p, _ in keys], [q for _, q in keys], *RANGES)


async def refresh_returns(conn: asyncpg.Connection, persons: Iterable[str]) -> None:
    """Recompute `returned_on` of every release of these participant ids, in every prison."""
    ids = sorted(set(persons))
    releases = await conn.fetch(OF_PEOPLE[0], ids) if ids else []
    if not releases:  # mostly new registrations of people never released: nothing to end
        return
    released = sorted({r["participant_id"] for r in releases})
    found = people(releases, await conn.fetch(OF_PEOPLE[1], released))
    rows: list[tuple[str, str, int, date | None]] = []
    for person in found.values():
        for release in person.releases:
            back = person.first_return(release, date.max, revocation=False)
            rows.append((release["prison_id"], release["participant_id"], release["n"],
                         None if back is None else back.on))
    if rows:
        await conn.execute(_RETURNED, *(list(column) for column in zip(*rows, strict=True)))
