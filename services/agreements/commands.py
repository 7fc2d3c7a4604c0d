"""The `data` of the agreements service's commands: field validation at the edge.

Each field is checked on its own here (shape, enum, length, format) and a failure is `invalid`.
Relations between fields, with the current state or with today are business rules and live in
`domain.decide`, where a failure is `rule`.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    Field,
    StringConstraints,
)

from shared.contract.events.agreement import ChangeRules
from shared.contract.fields import PartnerKind, Party
from shared.fields import SERVICES, Day, Instant, Model, Name, Note, Service, Slug, Text, Uuid


def _services(value: list[str]) -> list[str]:
    if len(set(value)) != len(value):
        raise ValueError("must not repeat a service")
    # Contract order, so equal sets serialise equally.
    return sorted(value, key=SERVICES.index)


Services = Annotated[list[Service], Field(min_length=1), AfterValidator(_services)]
Sessions = Annotated[int, Field(ge=0, le=10_000, strict=True)]


class Partner(Model):
    id: Slug
    name: Name
    kind: PartnerKind


class Signatory(Model):
    name: Name
    title: Name
    party: Party


Signatories = Annotated[list[Signatory], Field(min_length=1, max_length=20)]


class _Command(Model):
    agreement_id: Uuid
    occurred_at: Instant | None = None


class SignAgreement(_Command):
    """Record a signed cooperation agreement (PKS) with a partner; writes `AgreementSigned`.

    Rules: an agreement id is signed once, and not one another prison already uses;
    `effective_until` is after `effective_from`; `signed_on` is neither after `effective_until`
    nor in the future; the signatories include both parties (`prison` and `partner`); `renews`,
    when given, names another agreement of this prison with the same partner.
    """

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
    """Move an agreement's end date later; writes `AgreementExtended`.

    Rules: the agreement exists in this prison (`not_found`) and is not terminated; `signed_on`
    falls in its term (not before its signing, not after its current end) and is not in the
    future; the new `effective_until` is later than the current one; the signatories include
    both parties. An extension signed in term is accepted after the service wrote
    `AgreementExpired` (paperwork typed in late) and revives the agreement.
    """

    signed_on: Day
    effective_until: Day
    signatories: Signatories
    note: Note = None


class Changes(Model, ChangeRules):
    """Only the keys given are changed; `committed_sessions_per_month: null` drops the figure."""

    title: Name | None = None
    services: Services | None = None
    committed_sessions_per_month: Sessions | None = None

    def given(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_unset=True)


class AmendAgreement(_Command):
    """Change an agreement's title, services or committed sessions per month; writes
    `AgreementAmended` with the keys given.

    Rules: the agreement exists in this prison (`not_found`), is neither terminated nor expired;
    `signed_on` falls in its term and is not in the future; at least one value given differs
    from the current one.
    """

    signed_on: Day
    changes: Changes
    note: Note = None


class TerminateAgreement(_Command):
    """End an agreement early; writes `AgreementTerminated`, after which the
    agreement accepts no command and no program can be launched under it.

    Rules: the agreement exists in this prison (`not_found`), is neither terminated nor
    expired; `terminated_on` is not before its signing, not in the future and not after its
    end (an agreement that runs out is not terminated: the service writes `AgreementExpired`
    itself the day after `effective_until`).
    """

    terminated_on: Day
    reason: Text


class ExpireAgreement(Model):
    """Internal: issued by the service's own timer, never over the public subject."""

    agreement_id: Uuid
    expired_on: Day
