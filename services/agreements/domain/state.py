"""The agreement (PKS) aggregate's state and `evolve`."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from shared.contract.events import (
    AgreementAmended,
    AgreementExpired,
    AgreementExtended,
    AgreementSigned,
    AgreementTerminated,
    Fact,
)


@dataclass(frozen=True)
class Agreement:
    agreement_id: str
    partner_id: str
    partner_name: str
    number: str
    title: str
    services: tuple[str, ...]
    signed_on: date
    effective_from: date
    effective_until: date
    committed_sessions_per_month: int | None
    renews: str | None
    extensions: int = 0
    terminated_on: date | None = None
    expired_on: date | None = None

    def in_force_on(self, day: date) -> bool:
        """Within its term and not yet terminated (it is no longer in force on `terminated_on`)."""
        terminated = self.terminated_on is not None and self.terminated_on <= day
        return self.effective_from <= day <= self.effective_until and not terminated


def evolve(state: Agreement | None, fact: Fact) -> Agreement:
    """Fold one recorded event into the state."""
    event = fact.event
    if isinstance(event, AgreementSigned):
        return Agreement(
            agreement_id=fact.aggregate_id,
            partner_id=event.partner["id"],
            partner_name=event.partner["name"],
            number=event.number,
            title=event.title,
            services=tuple(event.services),
            signed_on=event.signed_on,
            effective_from=event.effective_from,
            effective_until=event.effective_until,
            committed_sessions_per_month=event.committed_sessions_per_month,
            renews=event.renews,
        )
    if state is None:
        raise ValueError(f"{event.TYPE} before AgreementSigned")
    match event:
        case AgreementExtended():
            return replace(state, effective_until=event.effective_until,
                           extensions=state.extensions + 1, expired_on=None)
        case AgreementAmended():
            changes = event.changes.given()
            if "services" in changes:
                changes["services"] = tuple(changes["services"])
            return replace(state, **changes)
        case AgreementTerminated():
            return replace(state, terminated_on=event.terminated_on)
        case AgreementExpired():
            return replace(state, expired_on=event.expired_on)
    raise ValueError(f"unknown agreement event type {event.TYPE}")
