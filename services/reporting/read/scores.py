"""The `score_change` queries of `/evaluation` (definitions: evaluation.py): first intake and
last exit per participant, program and score instrument; `urine_test` assessments are not scores
and are left out (urine tests are counted as tests: urine.py).

How (issue 15): the participants projection keeps each participant's pair per program and
instrument in `score_pairs` (`projections/outcomes.py`: first intake, last exit, scores left out,
`through` = the latest `assessed_on` behind them), computed by `PAIRS` below over all of that
participant's assessments. A pair whose `through` is on or before `to` is what the per-row
definition gives for that `to`, so `PAIRED` sums those pairs; only the pairs with an assessment
dated after `to` (none for `to` = today: assessments are never dated in the future) are computed
from their assessment rows by `LATE`, exactly as before the pairs existed (`SCORES`, kept as the
reference: bench/reference.py).
"""

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


# An assessment row `a` that counts for the score change, and whether its score is admitted:
# a score outside its instrument's range (`shared.instruments`; the table travels as four array
# parameters from ${r}) is treated as not recorded and counted apart.
def _checked(r: int) -> str:
    return f"""
    SELECT a.prison_id, a.program_id, a.participant_id, a.instrument, a.phase, a.score,
           a.assessed_on, a.version,
           coalesce(a.score BETWEEN r.low AND r.high
                    AND (NOT r.whole OR a.score = trunc(a.score)), false) AS admitted
    FROM {{source}}
    LEFT JOIN unnest(${r}::text[], ${r + 1}::float8[], ${r + 2}::float8[], ${r + 3}::bool[])
        AS r(instrument, low, high, whole) ON r.instrument = a.instrument
    WHERE a.phase IN ('intake', 'exit') AND a.instrument <> 'urine_test'
      AND a.program_id IS NOT NULL {{where}}"""


# One grouping of the checked rows, read once: not a join of ranked rows with themselves, which
# PostgreSQL estimated at one row and nested-looped (quadratic in the programs asked for).
_PAIR = """
    SELECT prison_id, program_id, participant_id, instrument,
           (array_agg(score ORDER BY assessed_on, version)
                FILTER (WHERE admitted AND phase = 'intake'))[1] AS intake,
           (array_agg(score ORDER BY assessed_on DESC, version DESC)
                FILTER (WHERE admitted AND phase = 'exit'))[1] AS exit,
           count(*) FILTER (WHERE NOT admitted) AS excluded,
           max(assessed_on) AS through
    FROM checked
    GROUP BY prison_id, program_id, participant_id, instrument"""

# Per program and instrument, over pairs `p`. Differences and sums are numeric, exactly: a
# float difference can overflow, and a float sum depends on the order rows are scanned in (a
# replayed schema, `?as_of=`, must give the same bytes as the live one); sums of two queries
# add up exactly too.
_SUMMED = """
SELECT p.prison_id, p.program_id, p.instrument,
       count(*) FILTER (WHERE p.intake IS NOT NULL AND p.exit IS NOT NULL) AS n,
       coalesce(sum(p.exit::numeric - p.intake::numeric), 0) AS total,
       sum(p.excluded)::bigint AS excluded
FROM {pairs}
GROUP BY p.prison_id, p.program_id, p.instrument
HAVING count(*) FILTER (WHERE p.intake IS NOT NULL AND p.exit IS NOT NULL) > 0
    OR sum(p.excluded) > 0
"""

_MEMBER = """
    JOIN memberships m ON m.prison_id = a.prison_id AND m.program_id = a.program_id
                      AND m.participant_id = a.participant_id"""
_WANTED_A = """wanted w
    JOIN assessments a ON a.prison_id = w.prison_id AND a.program_id = w.program_id"""
_LATE_PAIRS = """
    JOIN score_pairs s ON s.prison_id = a.prison_id AND s.participant_id = a.participant_id
                      AND s.program_id = a.program_id AND s.instrument = a.instrument
                      AND s.through > $3"""
_BY_TO = "AND a.assessed_on <= $3 AND m.first_enrolled_on <= $3"


def _scores(source: str) -> str:
    """The score changes of the programs asked for, from their checked assessments `source`
    dated by `to` ($3) of participants enrolled by then; $4..$7: RANGES."""
    checked = _checked(4).format(source=source, where=_BY_TO)
    return (f"WITH {WANTED}, checked AS ({checked}),\npairs AS ({_PAIR})\n"
            + _SUMMED.format(pairs="pairs p"))


# The per-row definition.
SCORES = _scores(_WANTED_A + _MEMBER)
# The same, for the pairs with an assessment after `to` only (the others: PAIRED).
LATE = _scores(_WANTED_A + _LATE_PAIRS + _MEMBER)
# The kept pairs with nothing after `to` ($3), of participants enrolled by then.
PAIRED = f"WITH {WANTED}\n" + _SUMMED.format(pairs="""wanted w
JOIN score_pairs p ON p.prison_id = w.prison_id AND p.program_id = w.program_id
JOIN memberships m ON m.prison_id = p.prison_id AND m.program_id = p.program_id
                  AND m.participant_id = p.participant_id
WHERE p.through <= $3 AND m.first_enrolled_on <= $3""")

# `score_pairs` of the participants ($1 prison ids, $2 participant ids; $3..$6: RANGES), from
# all their assessments: inserted or replaced (assessments are only ever added: no pair goes).
PAIRS = ("""
WITH touched AS (SELECT DISTINCT * FROM unnest($1::text[], $2::text[])
                     AS t(prison_id, participant_id)),
checked AS (""" + _checked(3).format(source="""touched t
    JOIN assessments a ON a.prison_id = t.prison_id AND a.participant_id = t.participant_id""",
                                       where="") + """)
INSERT INTO score_pairs (prison_id, program_id, participant_id, instrument, intake, exit,
                         excluded, through)""" + _PAIR + """
ON CONFLICT (prison_id, participant_id, program_id, instrument) DO UPDATE SET
    intake = EXCLUDED.intake, exit = EXCLUDED.exit, excluded = EXCLUDED.excluded,
    through = EXCLUDED.through
""")

RANGES = (list(SCORE_RANGES), [r.low for r in SCORE_RANGES.values()],
          [r.high for r in SCORE_RANGES.values()], [r.whole for r in SCORE_RANGES.values()])
