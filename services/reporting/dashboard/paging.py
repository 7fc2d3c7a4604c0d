"""One page of a long dashboard table (issue 15): a page shows PAGE_ROWS rows, "rows X–Y of N"
and links to the pages before and after; only that page's rows are computed. The whole table
stays one click away: the report's CSV/XLSX links under it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar
from urllib.parse import urlencode

from fastapi import Query

PAGE_ROWS = 50
PageQuery = Annotated[int, Query(ge=1, le=1_000_000, description="The table's page, from 1.")]
T = TypeVar("T")


@dataclass(frozen=True)
class Pager:
    param: str  # its query parameter
    number: int  # from 1; a number past the last page shows the last
    total: int  # rows in the whole table
    query: Mapping[str, str]  # the request's query, kept by the links
    size: int = PAGE_ROWS

    @classmethod
    def of(cls, param: str, asked: int, total: int, query: Mapping[str, str]) -> Pager:
        pages = max(1, -(-total // PAGE_ROWS))
        return cls(param, min(asked, pages), total, query)

    @property
    def first(self) -> int:
        """The 1-based position of the page's first row (0 when the table is empty)."""
        return min((self.number - 1) * self.size + 1, self.total)

    @property
    def last(self) -> int:
        return min(self.number * self.size, self.total)

    def rows(self, items: Sequence[T]) -> Sequence[T]:
        return items[(self.number - 1) * self.size:self.number * self.size]

    def link(self, step: int) -> str | None:
        """The URL of the page `step` pages away; None past either end."""
        number = self.number + step
        if number < 1 or (number - 1) * self.size >= self.total:
            return None
        query: dict[str, Any] = {**self.query, self.param: number}
        if number == 1:
            del query[self.param]
        return "?" + urlencode(query)
