"""A window cut into what the monthly rollups answer and what the base rows must (issue 15).

Pure. `split` gives the calendar months lying wholly inside a window (read from the rollups,
`projections/rollups.py`) and the days left at either end (counted from the base rows, as
before the rollups existed): together exactly the window's days, each once.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from services.reporting.read.figures import BEGINNING, Window

# An empty day range: BETWEEN matches nothing.
NOTHING = (date.max, date.min)


@dataclass(frozen=True)
class Split:
    months: tuple[date, date]  # the first days of the first and last whole month; or NOTHING
    edges: tuple[tuple[date, date], ...]  # inclusive day ranges outside those months

    def edge(self, n: int) -> tuple[date, date]:
        """The n-th edge range, NOTHING when there are fewer (queries take two)."""
        return self.edges[n] if n < len(self.edges) else NOTHING


def _month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def split(window: Window) -> Split:
    """2026-01-15..2026-04-10 → months 2026-02..2026-03, edges 01-15..01-31 and 04-01..04-10;
    0001-01-01..2026-12-05 → months 0001-01..2026-11, edge 2026-12-01..05;
    2026-03-02..2026-03-30 → no month, the one edge 03-02..03-30."""
    start, end = window.start, window.end
    try:
        first = start if start.day == 1 else _month_end(start) + timedelta(days=1)
        last_end = end if end == _month_end(end) else end.replace(day=1) - timedelta(days=1)
    except OverflowError:  # no whole month after 9999-12-01 or before 0001-01-31
        first, last_end = NOTHING
    if first > last_end:
        return Split(NOTHING, ((start, end),))
    edges = []
    if start < first:
        edges.append((start, first - timedelta(days=1)))
    if last_end < end:
        edges.append((last_end + timedelta(days=1), end))
    return Split((first, last_end.replace(day=1)), tuple(edges))


def until(end: date) -> Split:
    """The split of everything dated on or before `end`."""
    return split(Window(BEGINNING, end))
