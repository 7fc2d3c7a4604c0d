"""The urine-test figures of `/evaluation` and `/regional`, counted in SQL from `urine_tests`
and `memberships` (services/reporting/projections/urine.py). Definitions:

- A program's tests: the urine tests dated (`tested_on`) inside the window that either name
  the program (`program_id`) or were taken while the participant was a member of it (one of
  their enrolment spans in it covers `tested_on`, both ends included), in the program's own
  prison. Each test counts once per program; a participant in two programs at once counts in
  both. `RecordAssessment` rows with `instrument: urine_test` (v1) are not tests: they count
  neither here nor in `score_change`.
- `urine_tests`: those tests; `urine_positive`: those with at least one `positive` result;
  `positivity_rate` = urine_positive / those with at least one result that is not `invalid`
  (null when none).
- `violations`: violations opened by those tests (= urine_positive: a positive opens one);
  `violations_open`: of those, not resolved on or before `to`; `violations_sanctioned`: of
  those, resolved `sanctioned` on or before `to`.
- `/regional`: the prison's program rows summed, the rate recomputed from the sums.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date
from typing import Any

import asyncpg

from services.reporting.read.scores import WANTED

_TESTS = f"""
WITH {WANTED},
named AS (
    SELECT w.prison_id, w.program_id, t.participant_id, t.test_id
    FROM wanted w
    JOIN urine_tests t ON t.prison_id = w.prison_id AND t.program_id = w.program_id
    WHERE t.tested_on BETWEEN $3 AND $4),
during AS (
    SELECT w.prison_id, w.program_id, t.participant_id, t.test_id
    FROM wanted w
    JOIN memberships m ON m.prison_id = w.prison_id AND m.program_id = w.program_id
    JOIN urine_tests t ON t.prison_id = m.prison_id AND t.participant_id = m.participant_id
    WHERE t.tested_on BETWEEN $3 AND $4
      AND EXISTS (SELECT 1 FROM jsonb_array_elements(m.spans) AS s
                  WHERE (s->>'enrolled_on')::date <= t.tested_on
                    AND (s->>'ended_on' IS NULL OR t.tested_on <= (s->>'ended_on')::date))),
counted AS (SELECT * FROM named UNION SELECT * FROM during)
SELECT c.prison_id, c.program_id, count(*) AS tests,
       count(*) FILTER (WHERE t.positive) AS positive,
       count(*) FILTER (WHERE t.valid) AS valid,
       count(*) FILTER (WHERE t.positive AND (t.resolved_on IS NULL OR t.resolved_on > $4))
           AS open,
       count(*) FILTER (WHERE t.positive AND t.outcome = 'sanctioned' AND t.resolved_on <= $4)
           AS sanctioned
FROM counted c
JOIN urine_tests t USING (prison_id, participant_id, test_id)
GROUP BY c.prison_id, c.program_id
"""


@dataclass
class UrineFigures:
    """One program's (or, summed, one prison's) urine-test counts."""

    tests: int = 0
    positive: int = 0
    valid: int = 0
    open: int = 0
    sanctioned: int = 0

    def __add__(self, other: UrineFigures) -> UrineFigures:
        return UrineFigures(*(getattr(self, f.name) + getattr(other, f.name)
                              for f in fields(self)))

    def indicators(self) -> dict[str, Any]:
        """The report fields, in the order they are appended to a row."""
        return {"urine_tests": self.tests, "urine_positive": self.positive,
                "positivity_rate": None if self.valid == 0 else self.positive / self.valid,
                "violations": self.positive, "violations_open": self.open,
                "violations_sanctioned": self.sanctioned}


async def urine_figures(conn: asyncpg.Connection, prisons: list[str], programs: list[str],
                        start: date, end: date) -> dict[tuple[str, str], UrineFigures]:
    """Per (prison_id, program_id) asked for, the counts of the window `start`..`end`
    (programs without a test are absent)."""
    return {(r["prison_id"], r["program_id"]): UrineFigures(
                r["tests"], r["positive"], r["valid"], r["open"], r["sanctioned"])
            for r in await conn.fetch(_TESTS, prisons, programs, start, end)}
