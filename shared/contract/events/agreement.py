"""Events of the `agreement` aggregate (a PKS between a prison and a partner)."""

from __future__ import annotations

from typing import Annotated, Any, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator, with_config
from typing_extensions import TypedDict

from shared.contract.fields import (
    Activities,
    Count,
    Day,
    Name,
    Note,
    Number,
    PartnerKind,
    Party,
    Slug,
    Text,
    Uuid,
)
from shared.contract.registry import Event, StoredModel, events

# Objects inside `data` (a partner, the items of a list) are TypedDicts: validated the same,
# without building an instance per item (a session's attendance has one item per participant).
# `Event…` names: the AsyncAPI document has one namespace, shared with the commands' `Partner`…


@with_config(ConfigDict(extra="forbid"))
class EventPartner(TypedDict):
    id: Slug
    name: Name
    kind: PartnerKind


@with_config(ConfigDict(extra="forbid"))
class EventSignatory(TypedDict):
    name: Name
    title: Name
    party: Party


Signatories = Annotated[list[EventSignatory], Field(min_length=1, max_length=20)]


class AgreementSigned(Event):
    number: Number
    title: Name
    partner: EventPartner
    services: Activities
    signed_on: Day
    effective_from: Day
    effective_until: Day
    signatories: Signatories
    renews: Uuid | None
    committed_sessions_per_month: Count | None

    @model_validator(mode="after")
    def _contract(self) -> AgreementSigned:
        if self.effective_until <= self.effective_from:
            raise ValueError("effective_until must be after effective_from")
        if {s["party"] for s in self.signatories} != {"prison", "partner"}:
            raise ValueError("signatories must include at least one of each party")
        return self


class AgreementExtended(Event):
    signed_on: Day
    effective_until: Day
    signatories: Signatories
    note: Note


class ChangeRules(BaseModel):
    """The rules of an amendment's `changes`, the same in the command and in the stored event:
    only the keys given change, and at least one is given."""

    @field_validator("title", "services", check_fields=False)
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:  # runs only for keys given: absent means unchanged
            raise ValueError("must not be null")
        return value

    @model_validator(mode="after")
    def _something(self) -> Self:
        if not self.model_fields_set:
            raise ValueError("must change at least one of title, services, "
                             "committed_sessions_per_month")
        return self


class Changes(StoredModel, ChangeRules):
    """Only the keys given change; `committed_sessions_per_month: null` drops the figure."""

    title: Name | None = None
    services: Activities | None = None
    committed_sessions_per_month: Count | None = None

    def given(self) -> dict[str, Any]:
        """The keys given, and only those."""
        return {key: getattr(self, key) for key in self.model_fields_set}


class AgreementAmended(Event):
    signed_on: Day
    changes: Changes
    note: Note


class AgreementTerminated(Event):
    terminated_on: Day
    reason: Text


class AgreementExpired(Event):
    expired_on: Day


events("agreement", AgreementSigned, AgreementExtended, AgreementAmended, AgreementTerminated,
       AgreementExpired)
