"""What the programs service needs to know of an agreement, folded from the agreement's own
public events (the contract's AgreementSigned/Extended/Amended/Terminated/Expired).

Services talk only through events: this is a reading of the agreements service's published
events, not an import of its code, so either side can change its internals freely.
"""

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
class AgreementView:
    agreement_id: str
    services: tuple[str, ...]
    effective_from: date
    effective_until: date
    terminated_on: date | None = None
    expired_on: date | None = None

    def in_force_on(self, day: date) -> bool:
        """Within its term (as extended), not yet terminated and not yet expired on `day`."""
        if self.terminated_on is not None and self.terminated_on <= day:
            return False
        if self.expired_on is not None and self.expired_on <= day:
            return False
        return self.effective_from <= day <= self.effective_until


def evolve(state: AgreementView | None, fact: Fact) -> AgreementView:
    """Fold one agreement event. An unknown type raises: deciding on an agreement only partly
    understood (say a future `AgreementSuspended`) could launch a program it forbids."""
    event = fact.event
    if isinstance(event, AgreementSigned):
        return AgreementView(
            agreement_id=fact.aggregate_id,
            services=tuple(event.services),
            effective_from=event.effective_from,
            effective_until=event.effective_until,
        )
    if state is None:
        raise ValueError(f"{event.TYPE} before AgreementSigned")
    match event:
        case AgreementExtended():
            return replace(state, effective_until=event.effective_until, expired_on=None)
        case AgreementAmended():
            services = event.changes.given().get("services")
            return replace(state, services=tuple(services)) if services else state
        case AgreementTerminated():
            return replace(state, terminated_on=event.terminated_on)
        case AgreementExpired():
            return replace(state, expired_on=event.expired_on)
    raise ValueError(f"unknown agreement event type {event.TYPE}")
