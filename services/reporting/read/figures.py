"""The evaluation indicators as numerators and denominators, and how they become report rows.

Pure: no I/O, no clock. The queries (`evaluation.py`) count facts per program into `Figures`;
a program row renders its own `Figures`, a prison row renders the sum of its programs'. Every
rate and mean is computed from summed numerators and denominators at the end, never averaged
from rates, and nothing is rounded.
"""

from __future__ import annotations

import calendar
import functools
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from services.reporting.read.urine import UrineFigures
from shared.errors import invalid

RECIDIVISM_MONTHS = (6, 12, 24)
# The earliest date a window can start at: "no `from`" means every dated fact up to `to`.
BEGINNING = date(1, 1, 1)


@functools.lru_cache(maxsize=1 << 16)  # pure; a national report asks it ~50,000 times
def add_months(day: date, months: int) -> date:
    """`day` plus `months` calendar months, the day clamped to the target month's last day:
    2025-08-31 + 6 → 2026-02-28; 2024-02-29 + 12 → 2025-02-28; 2025-01-15 + 1 → 2025-02-15."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


@dataclass(frozen=True)
class Window:
    """The inclusive date range `from`..`to` of an evaluation.

    `to` is the evaluation date: nothing dated after it counts (enrolments, assessments,
    sessions, completions, withdrawals, releases; readmissions are bounded by it through the
    N-month rule). `from` limits only what the contract names: sessions, completions,
    withdrawals and releases.
    """

    start: date
    end: date

    @classmethod
    def of(cls, from_: date | None, to: date | None, today: date) -> Window:
        """The window of a request: `to` defaults to `today` (WIB), `from` to the beginning.
        Raises `invalid` (field `from`) when `from` is after `to`."""
        end = today if to is None else to
        start = BEGINNING if from_ is None else from_
        if start > end:
            raise invalid(f"from ({start.isoformat()}) is after to ({end.isoformat()})", "from")
        return cls(start, end)

    def __contains__(self, day: date) -> bool:
        return self.start <= day <= self.end


class Tally(Counter):
    """A Counter made by dict's own constructor: a national report makes ~26,000 of them, and
    Counter's (Python) one was a tenth of its Python time."""

    __init__ = dict.__init__  # type: ignore[assignment]


_MONTH_KEYS = tuple((months, f"released_{months}m", f"readmitted_{months}m")
                    for months in RECIDIVISM_MONTHS)


def _kept(counts: Counter, value: Any = None) -> dict[Any, Any]:
    """`counts`' non-zero items in key order, each value mapped by `value` (the key's own when
    None)."""
    if not counts:
        return {}
    return {k: v if value is None else value(k, v) for k, v in sorted(counts.items()) if v}


@dataclass
class Figures:
    """One program's (or, summed, one prison's) numerators and denominators."""

    enrolled: int = 0
    completed: int = 0
    withdrawn: int = 0
    sessions_held: int = 0
    minutes_by_activity: Counter[str] = field(default_factory=Tally)
    attended: int = 0  # present + late marks
    counted: int = 0  # present + late + absent marks
    # instrument: Σ (exit − intake), exact (Decimal); instrument: participants
    score_sums: Counter[str] = field(default_factory=Tally)
    score_counts: Counter[str] = field(default_factory=Tally)
    score_excluded: Counter[str] = field(default_factory=Tally)  # instrument: out of range
    released: int = 0
    released_after: Counter[int] = field(default_factory=Tally)  # N: released ≥ N months ago
    readmitted_within: Counter[int] = field(default_factory=Tally)  # N: … back within N
    urine: UrineFigures = field(default_factory=UrineFigures)
    not_held_by_reason: Counter[str] = field(default_factory=Tally)  # reason: sessions
    makeups: int = 0  # sessions made up by a held session, each once
    compliant: int = 0  # present + late marks with compliance `compliant`
    graded: int = 0  # present + late marks with a compliance recorded

    def __add__(self, other: Figures) -> Figures:
        # Counter's own `+` drops keys whose sum is not positive, and a score change is often
        # negative (ASSIST: lower is better): sum key by key instead.
        return Figures(**{name: _plus(getattr(self, name), getattr(other, name))
                          for name in self.__dataclass_fields__})

    def count_release(self, released_on: date, readmitted_on: date | None, to: date) -> None:
        """Count one participant's release (already known to be inside the window).

        Released at least N calendar months before `to`: `add_months(released_on, N) <= to`.
        Readmitted within N calendar months: `readmitted_on <= add_months(released_on, N)`;
        only counted among those released at least N months before `to`, so the readmission
        is never after `to` either.
        """
        self.released += 1
        for months in RECIDIVISM_MONTHS:
            horizon = add_months(released_on, months)
            if horizon <= to:
                self.released_after[months] += 1
                if readmitted_on is not None and readmitted_on <= horizon:
                    self.readmitted_within[months] += 1

    def count_releases(self, counts: Mapping[str, int]) -> None:
        """Add releases counted elsewhere as `count_release` counts each (`released`,
        `released_{N}m`, `readmitted_{N}m`: the evaluation's release query)."""
        self.released += counts["released"]
        for months, released, readmitted in _MONTH_KEYS:
            self.released_after[months] += counts[released]
            self.readmitted_within[months] += counts[readmitted]

    def count_scores(self, row: Mapping[str, Any]) -> None:
        """Add one instrument's score changes (`instrument`, `total`, `n`, `excluded`)."""
        self.score_sums[row["instrument"]] += row["total"]
        self.score_counts[row["instrument"]] += row["n"]
        self.score_excluded[row["instrument"]] += row["excluded"]

    def indicators(self) -> dict[str, Any]:
        """The contract's v1 indicator fields, in its order (the urine fields: `urine`)."""
        row: dict[str, Any] = {
            "enrolled": self.enrolled,
            "active": self.enrolled - self.completed - self.withdrawn,
            "completed": self.completed,
            "withdrawn": self.withdrawn,
            "completion_rate": ratio(self.completed, self.enrolled),
            "sessions_held": self.sessions_held,
            "hours_by_activity": _kept(self.minutes_by_activity, lambda _, m: m / 60),
            "attendance_rate": ratio(self.attended, self.counted),
            "score_change": _kept(self.score_counts,
                                  lambda i, n: float(Decimal(self.score_sums[i]) / n)),
            "score_excluded": _kept(self.score_excluded),
            "released": self.released,
        }
        for months, released, readmitted in _MONTH_KEYS:
            row[released] = self.released_after[months]
            row[readmitted] = self.readmitted_within[months]
        return row

    def session_indicators(self) -> dict[str, Any]:
        """The session fields issue 13 appended after the contract's indicators (see
        `session_figures`)."""
        return {
            "sessions_not_held": sum(self.not_held_by_reason.values()),
            "not_held_by_reason": _kept(self.not_held_by_reason),
            "makeup_sessions": self.makeups,
            "compliance_rate": ratio(self.compliant, self.graded),
        }


def _plus(a: Any, b: Any) -> Any:
    if isinstance(a, Counter):
        return Counter({k: a[k] + b[k] for k in a.keys() | b.keys()})
    return a + b


def ratio(numerator: int, denominator: int) -> float | None:
    return None if denominator == 0 else numerator / denominator
