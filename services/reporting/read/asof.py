"""Which read-model a report reads, and the day it is dated at: the live one, or a replay's.

`pulih replay --until … --into <name>` builds schema `asof_<name>`; `?as_of=<name>` reads it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from services.reporting.read.port import ReadModel
from shared.envelope import WIB
from shared.errors import not_found

ASOF_NAME = r"^[a-z0-9][a-z0-9_]{0,40}$"
_ASOF_NAME = re.compile(ASOF_NAME)


def asof_schema(name: str) -> str:
    """The read-model schema of the replay called `name`: `asof_<name>`. Raises ValueError
    unless `name` matches ASOF_NAME (lowercase letters, digits, `_`; at most 41 characters),
    so the result is always a safe, unquoted-compatible PostgreSQL identifier."""
    if not _ASOF_NAME.fullmatch(name):
        raise ValueError(f"replay name {name!r} does not match {ASOF_NAME}")
    return f"asof_{name}"


@dataclass(frozen=True)
class Point:
    """A report's read-model `schema` and its `today` (WIB): today, or the day a replay stands
    at, so a past report is reproduced with the statuses and default `to` it had then."""

    schema: str
    today: date
    last_seq: int | None = None  # the replay's checkpoint; None: the live read-model
    missing: str | None = None  # the replay asked for, when there is none

    def found(self) -> Point:
        """This point, or not_found for an unknown replay. Raised where the report first
        reads, not when resolved: a bad `from`/`to` is still answered first (400, not 404)."""
        if self.missing is not None:
            raise not_found(f"no replay named {self.missing}")
        return self


async def resolve(reads: ReadModel, live_schema: str, clock: Callable[[], datetime],
                  as_of: str | None) -> Point:
    """The point of `?as_of=` (None: the live read-model). An unknown replay (no schema
    `asof_<name>`, or one without a read-model checkpoint today's queries can read) is a
    point with `missing` set."""
    if as_of is None:
        return Point(live_schema, clock().astimezone(WIB).date())
    schema = asof_schema(as_of)
    day = await reads.replay_day(schema)
    today = day if day is not None else clock().astimezone(WIB).date()
    last_seq = await reads.checkpoint(schema)
    return Point(schema, today, last_seq, as_of if last_seq is None else None)
