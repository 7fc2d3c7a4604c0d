"""The `data` of the agreements service's commands: field validation at the edge.

Each field is checked on its own here (shape, enum, length, format) and a failure is `invalid`.
Relations between fields, with the current state or with today are business rules and live in
`domain.decide`, where a failure is `rule`.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

UUID_PATTERN = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
SLUG_PATTERN = r"^[a-z0-9][a-z0-9-]{1,62}$"
Service = Literal[
    "counseling", "skills_training", "mental_guidance", "spiritual_guidance",
    "social_guidance", "medical", "aftercare",
]
# Contract order; `services` lists are kept in this order so equal sets serialise equally.
SERVICES: tuple[str, ...] = get_args(Service)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_date(value: Any) -> Any:
    # pydantic would also take timestamps and "…T00:00:00"; the contract says YYYY-MM-DD.
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        return value
    raise ValueError("must be an ISO date YYYY-MM-DD")


def _instant(value: Any) -> Any:
    if isinstance(value, datetime | str):
        return value
    raise ValueError("must be an RFC 3339 instant with offset")


def _services(value: list[str]) -> list[str]:
    if len(set(value)) != len(value):
        raise ValueError("must not repeat a service")
    return sorted(value, key=SERVICES.index)


def _blank_is_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


def _text(max_length: int) -> Any:
    return Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=max_length)
    ]


Uuid = Annotated[str, StringConstraints(pattern=UUID_PATTERN)]
Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN)]
Day = Annotated[date, BeforeValidator(_iso_date)]
Instant = Annotated[AwareDatetime, BeforeValidator(_instant)]
Name = _text(200)
Text = _text(2000)
# An optional free note: "" or spaces mean no note, recorded as null.
Note = Annotated[Text | None, BeforeValidator(_blank_is_none)]
Services = Annotated[list[Service], Field(min_length=1), AfterValidator(_services)]
Sessions = Annotated[int, Field(ge=0, le=10_000, strict=True)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Partner(_Model):
    id: Slug
    name: Name
    kind: Literal["ipwl", "foundation", "government", "other"]


class Signatory(_Model):
    name: Name
    title: Name
    party: Literal["prison", "partner"]


Signatories = Annotated[list[Signatory], Field(min_length=1, max_length=20)]


class _Command(_Model):
    agreement_id: Uuid
    occurred_at: Instant | None = None


class SignAgreement(_Command):
    number: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    title: Name
    partner: Partner
    services: Services
    signed_on: Day
    effective_from: Day
    effective_until: Day
    signatories: Signatories
    renews: Uuid | None = None
    committed_sessions_per_month: Sessions | None = None


class ExtendAgreement(_Command):
    signed_on: Day
    effective_until: Day
    signatories: Signatories
    note: Note = None


class Changes(_Model):
    """Only the keys given are changed; `committed_sessions_per_month: null` drops the figure."""

    title: Name | None = None
    services: Services | None = None
    committed_sessions_per_month: Sessions | None = None

    @field_validator("title", "services")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        # Runs only when the key is given: absent means unchanged, null would mean nothing.
        if value is None:
            raise ValueError("must not be null")
        return value

    @model_validator(mode="after")
    def _something(self) -> Changes:
        if not self.model_fields_set:
            raise ValueError("must change at least one of title, services, "
                             "committed_sessions_per_month")
        return self

    def given(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_unset=True)


class AmendAgreement(_Command):
    signed_on: Day
    changes: Changes
    note: Note = None


class TerminateAgreement(_Command):
    terminated_on: Day
    reason: Text


class ExpireAgreement(_Model):
    """Internal: issued by the service's own timer, never over the public subject."""

    agreement_id: Uuid
    expired_on: Day


COMMANDS: dict[str, type[BaseModel]] = {
    "SignAgreement": SignAgreement,
    "ExtendAgreement": ExtendAgreement,
    "AmendAgreement": AmendAgreement,
    "TerminateAgreement": TerminateAgreement,
}

