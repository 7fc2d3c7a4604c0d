"""A dashboard table: the rows a report's query returned, the columns shown, each cell's raw
value (`data-value`, JSON) and its text, and the report links giving the same rows as files."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlencode

import orjson

from services.reporting.dashboard.paging import Pager

# Years, windows and months are names, not quantities: written without a thousands separator.
PLAIN = frozenset({"year", "cohort", "window_months", "month"})
RATES = frozenset({"completion_rate", "attendance_rate", "timeliness_rate", "realisation_rate",
                   "recidivism_rate"})


def number(value: float, lang: str, digits: int) -> str:
    """A number as the page shows it: Indonesian uses `,` for decimals, `.` for thousands."""
    text = f"{value:,.{digits}f}"
    return text.translate(str.maketrans(",.", ".,")) if lang == "id" else text


def shown(column: str, value: Any, lang: str) -> str:
    """A cell's text: rates as percentages with one decimal, other fractions with two, maps
    as `key: value` pairs, null as an em dash."""
    if value is None:
        return "—"
    if isinstance(value, dict):
        return "; ".join(f"{k}: {shown('', v, lang)}" for k, v in value.items()) or "—"
    if isinstance(value, bool):
        return str(value).lower()
    if column in PLAIN:
        return str(value)
    if column in RATES and isinstance(value, int | float):
        return number(value * 100, lang, 1) + " %"
    if isinstance(value, float):
        return number(value, lang, 2)
    if isinstance(value, int):
        return number(value, lang, 0)
    return str(value)


@dataclass(frozen=True)
class Table:
    key: str  # the table's id in the page
    title: str
    columns: Sequence[str]
    rows: Sequence[Mapping[str, Any]]
    report: str | None = None  # the report path these rows come from
    query: Mapping[str, Any] | None = None  # its filters
    highlight: str | None = None  # a row key: rows whose value is true are highlighted
    links: Mapping[str, str] | None = None  # column -> URL template of the row's keys
    pager: Pager | None = None  # when `rows` are one page of a longer table

    def paged(self, param: str, asked: int, query: Mapping[str, str]) -> Table:
        """This table cut to its page `asked` (query parameter `param`), of rows read whole."""
        pager = Pager.of(param, asked, len(self.rows), query)
        return replace(self, rows=pager.rows(self.rows), pager=pager)

    def downloads(self) -> list[tuple[str, str]]:
        if self.report is None:
            return []
        given = {k: v for k, v in (self.query or {}).items() if v is not None}
        return [(fmt.upper(), f"{self.report}?{urlencode({**given, 'format': fmt})}")
                for fmt in ("csv", "xlsx")]

    def cells(self, lang: str) -> list[list[tuple[str, str, str, str | None]]]:
        """Per row, per column: (column, data-value, text, link)."""
        out = []
        for row in self.rows:
            line = []
            for c in self.columns:
                value = row.get(c)
                link = (self.links or {}).get(c)
                line.append((c, orjson.dumps(value).decode(), shown(c, value, lang),
                             link.format_map(row) if link and value else None))
            out.append(line)
        return out
