"""What every report route shares: the `format` and `as_of` parameters, and `as_of` → schema."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import Query

from services.reporting.deps import ASOF_NAME, ReportingDeps, asof_schema
from services.reporting.models import Format
from services.reporting.tabular import CSV_CONTENT
from shared.envelope import WIB
from shared.errors import not_found

FormatQuery = Annotated[Format, Query(description="`csv`: the same rows as CSV, header first.")]
AsOfQuery = Annotated[str | None, Query(
    pattern=ASOF_NAME, description="Read the replay `pulih replay --until … --into <name>` "
    "built (schema `asof_<name>`) instead of the live read model; 404 when there is none. "
    "The report is dated as of the replay's point: statuses and a default `to` are those of "
    "that day, so a past report is reproduced byte for byte.")]
LIST_OK: dict[int | str, dict[str, Any]] = {
    200: {"content": CSV_CONTENT, "description": "JSON, or CSV with `?format=csv`."}}


class ReadModels:
    """Resolves a report's `?as_of=` to the read-model schema it reads."""

    def __init__(self, deps: ReportingDeps):
        self.deps = deps

    async def today(self, as_of: str | None) -> date:
        """The day a report is computed for: today in WIB, or the day a replay stands at, so
        a past report is reproduced with the statuses and default `to` it had then."""
        if as_of is not None and self.deps.replay_day is not None:
            day = await self.deps.replay_day(asof_schema(as_of))
            if day is not None:
                return day
        return self.deps.clock().astimezone(WIB).date()

    async def schema(self, as_of: str | None) -> str:
        return (await self.replay(as_of))[0]

    async def replay(self, as_of: str | None) -> tuple[str, int | None]:
        """`(schema, last_seq)`: the live schema and None without `as_of`; else the replay's
        schema and the last stream sequence it holds. Raises not_found for an unknown replay
        (no schema `asof_<name>`, or one without a read-model checkpoint)."""
        if as_of is None:
            return self.deps.live_schema, None
        schema = asof_schema(as_of)
        last_seq = await self.deps.checkpoint(schema)
        if last_seq is None:
            raise not_found(f"no replay named {as_of}")
        return schema, last_seq
