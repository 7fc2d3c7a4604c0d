"""The region page's charts by quarter: a line per prison when the view is one Kanwil, one
prison or a few prisons; otherwise a line per Kanwil and the total (issue 15: 4,000 lines are
neither readable nor cheap). Each point sums the `/regional` rows of the line's prisons for that
quarter (`read.quarterly`), rates from the summed numerators and denominators."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any

from services.reporting.read.figures import BEGINNING, Window, ratio

# What the charts draw. (`readmitted_12m` of a quarter is always 0, see read.quarterly: the
# quarters' completions are drawn instead.)
QUARTERLY = ("attendance_rate", "completion_rate", "sessions_held", "enrolled", "completed",
             "released")
MAX_QUARTERS = 12
MAX_PRISON_LINES = 30  # more prisons over several Kanwil: a line per Kanwil
TOTAL = object()  # the line of the total


def quarters(span: Window) -> list[Window]:
    """The calendar quarters of the window (the last MAX_QUARTERS; without a `from`, those
    of the two years before `to`'s), each cut to the window."""
    start = span.start if span.start > BEGINNING else date(span.end.year - 2, 1, 1)
    found, day = [], date(start.year, 3 * ((start.month - 1) // 3) + 1, 1)
    while day <= span.end:
        following = date(day.year + (day.month > 9), (day.month + 2) % 12 + 1, 1)
        found.append(Window(max(day, start), min(following - timedelta(days=1), span.end)))
        day = following
    return found[-MAX_QUARTERS:]


def label(q: Window) -> str:
    return f"{q.start.year}-Q{(q.start.month - 1) // 3 + 1}"


def by_kanwil(narrowed: bool, prisons: int, kanwils: int) -> bool:
    """Whether the lines are Kanwil: a view not narrowed to a Kanwil or a prison, of more
    prisons than a chart can show, over more than one Kanwil."""
    return not narrowed and prisons > MAX_PRISON_LINES and kanwils > 1


def figure(counts: Mapping[str, int], name: str) -> float | int | None:
    if name == "attendance_rate":
        return ratio(counts["attended"], counts["counted"])
    if name == "completion_rate":
        return ratio(counts["completed"], counts["enrolled"])
    return counts[name]


def charts(spans: Sequence[Window], rows: Sequence[dict[str, Any]], names: Mapping[Any, str],
           total: bool, words: Mapping[str, str]) -> list[dict[str, Any]]:
    """One chart per QUARTERLY indicator, a line per `line` of `rows` (named by `names`, else
    by itself), and with `total` the total's (shown at first on the rate charts only: on a
    count chart it would flatten the others)."""
    points: dict[Any, list[Counter[str]]] = {}
    for r in rows:
        points.setdefault(r["line"], [Counter() for _ in spans])[r["quarter"]].update(
            {k: v for k, v in r.items() if k not in ("line", "quarter")})
    lines = sorted(points, key=lambda line: names.get(line, line or ""))
    if total:
        points[TOTAL] = [sum((p[i] for p in points.values()), Counter())
                         for i in range(len(spans))]
        lines.append(TOTAL)
    return [{"id": f"chart-{name}", "title": words[name], "rate": name.endswith("_rate"),
             "x": [label(q) for q in spans],
             "series": [{"name": words["total"] if line is TOTAL else names.get(line, line),
                         "y": [figure(c, name) for c in points[line]],
                         **({"hidden": True} if line is TOTAL and "rate" not in name else {})}
                        for line in lines]}
            for name in QUARTERLY]
