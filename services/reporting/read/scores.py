"""The `score_change` query of `/evaluation` (definitions: evaluation.py): first intake and last
exit per participant, program and score instrument; `urine_test` assessments are not scores and
are left out (urine tests are counted as tests: urine.py)."""

from __future__ import annotations

from collections.abc import Sequence

from shared.instruments import SCORE_RANGES

# The programs asked for, as (prison_id, program_id) pairs: ids are unique within a prison only,
# so every join of the evaluation queries also matches the prison. $1 and $2: `wanted_of`.
WANTED = ("wanted AS (SELECT * FROM unnest(string_to_array($1, ','), string_to_array($2, ',')) "
          "AS w(prison_id, program_id))")


def wanted_of(programs: Sequence[tuple[str, str]]) -> tuple[str, str]:
    """WANTED's parameters: the prison ids and the program ids, comma-separated. Text, not
    arrays: asyncpg checks every element of an array parameter, ~6 ms per query for 4,000
    programs, and the evaluation makes ten. Ids are slugs or uuids (no comma); one that is not
    is refused rather than split."""
    prisons, ids = ",".join(p for p, _ in programs), ",".join(q for _, q in programs)
    if prisons.count(",") + ids.count(",") != 2 * max(len(programs) - 1, 0):
        raise ValueError("an id with a comma cannot be matched by WANTED")
    return prisons, ids

# Each participant's first intake, last exit and scores left out come from one grouping of the
# checked rows, read once: not from a join of ranked rows with themselves, which PostgreSQL
# estimated at one row and nested-looped (1,690 x 1,690 rows, 0.5 s at 100k events, quadratic
# in the programs asked for), nor from a CTE read twice (materialised: spilled to disk at 1M).
# A score outside its instrument's range (`shared.instruments`; $4..$7 carry the table) is
# treated as not recorded and counted apart. Differences and sums are numeric, exactly: a float
# difference can overflow, and a float sum depends on the order rows are scanned in (a replayed
# schema, `?as_of=`, must give the same bytes as the live one).
SCORES = f"""
WITH {WANTED}, checked AS (
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
    WHERE a.phase IN ('intake', 'exit') AND a.instrument <> 'urine_test'
      AND a.assessed_on <= $3 AND m.first_enrolled_on <= $3),
paired AS (
    SELECT prison_id, program_id, participant_id, instrument,
           (array_agg(score ORDER BY assessed_on, version)
                FILTER (WHERE admitted AND phase = 'intake'))[1] AS intake,
           (array_agg(score ORDER BY assessed_on DESC, version DESC)
                FILTER (WHERE admitted AND phase = 'exit'))[1] AS exit,
           count(*) FILTER (WHERE NOT admitted) AS excluded
    FROM checked
    GROUP BY prison_id, program_id, participant_id, instrument)
SELECT prison_id, program_id, instrument,
       count(*) FILTER (WHERE intake IS NOT NULL AND exit IS NOT NULL) AS n,
       coalesce(sum(exit::numeric - intake::numeric), 0) AS total,
       sum(excluded)::bigint AS excluded
FROM paired
GROUP BY prison_id, program_id, instrument
HAVING count(*) FILTER (WHERE intake IS NOT NULL AND exit IS NOT NULL) > 0 OR sum(excluded) > 0
"""
RANGES = (list(SCORE_RANGES), [r.low for r in SCORE_RANGES.values()],
           [r.high for r in SCORE_RANGES.values()], [r.whole for r in SCORE_RANGES.values()])
