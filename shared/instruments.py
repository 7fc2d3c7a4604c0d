"""The assessment instruments of `AssessmentRecorded` and the range each one's score lives in.

One table, read by the command edge (a score outside its instrument's range is `invalid`) and
by the reports (a score already in the log outside it is left out of `score_change` and
counted in `score_excluded`: the log is immutable, the reports must stay up). The README's
"Assessment scores" section gives each range's source.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ScoreRange:
    """Inclusive bounds; `whole`: only whole numbers (a test result coded 0/1)."""

    low: float
    high: float
    whole: bool = False

    def admits(self, score: float) -> bool:
        return self.low <= score <= self.high and (not self.whole or score == int(score))

    def describe(self) -> str:
        kind = "a whole number" if self.whole else "a number"
        return f"must be {kind} from {self.low:g} to {self.high:g}"


SCORE_RANGES: dict[str, ScoreRange] = {
    # WHO ASSIST v3.1: a substance's Specific Substance Involvement score, Q2–Q7: 0–39
    # (tobacco, without Q5: 0–31).
    "ASSIST": ScoreRange(0, 39),
    # Addiction Severity Index: a composite score (0–1) or an interviewer severity rating (0–9).
    "ASI": ScoreRange(0, 9),
    # URICA Readiness to Change score, C + A + M − PC over the subscale means: −2 to 14.
    "URICA": ScoreRange(-2, 14),
    # WHOQOL-BREF domain score: transformed 0–100 (the raw 4–20 scale fits inside).
    "WHOQOL": ScoreRange(0, 100),
    # A urine drug test: 0 negative, 1 positive.
    "urine_test": ScoreRange(0, 1, whole=True),
    # Any other scale: wide enough for every common clinical scale, narrow enough that a
    # difference or a sum of millions of them stays exact in a float.
    "other": ScoreRange(-1000, 1000),
}
INSTRUMENTS: tuple[str, ...] = tuple(SCORE_RANGES)
