"""Field types of command input, shared by every service's commands (validation at the edge).

One definition of the contract's identifiers, dates, instants and text bounds, so the services
refuse the same things the same way.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any, Literal, get_args

from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, StringConstraints

UUID_PATTERN = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
SLUG_PATTERN = r"^[a-z0-9][a-z0-9-]{1,62}$"
# The contract's service list: an agreement's services, a program's and a session's activities.
Service = Literal[
    "counseling", "skills_training", "mental_guidance", "spiritual_guidance",
    "social_guidance", "medical", "aftercare",
]
SERVICES: tuple[str, ...] = get_args(Service)
# The largest program: its capacity, and so the longest attendance list a session can carry.
# A HoldSession of that many marks is ≈ 0.6 MB, its event envelope as much: within NATS's
# default 1 MB payload (tests/unit/test_attendance_capacity.py measures both).
MAX_PARTICIPANTS = 10_000
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_date(value: Any) -> Any:
    # pydantic would also take timestamps and "…T00:00:00"; the contract says YYYY-MM-DD.
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        return value
    raise ValueError("must be an ISO date YYYY-MM-DD")


def _instant(value: Any) -> Any:
    # pydantic would also take a Unix timestamp; the contract says RFC 3339 with offset.
    if isinstance(value, datetime | str):
        return value
    raise ValueError("must be an RFC 3339 instant with offset")


def blank_is_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


def text(max_length: int) -> Any:
    """Stripped, non-empty text of at most `max_length` characters."""
    return Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=max_length)
    ]


Uuid = Annotated[str, StringConstraints(pattern=UUID_PATTERN)]
Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN)]
Day = Annotated[date, BeforeValidator(_iso_date)]
# Aware only: a naive "2025-03-03T09:00:00" is refused rather than guessed to be WIB.
Instant = Annotated[AwareDatetime, BeforeValidator(_instant)]
Name = text(200)
Text = text(2000)
# An optional free note: "" or spaces mean no note, recorded as null.
Note = Annotated[Text | None, BeforeValidator(blank_is_none)]


class Model(BaseModel):
    """Command input: unknown keys refused (personal data cannot slip in), values frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)
