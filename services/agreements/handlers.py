"""The agreements service's commands, as the kernel's executor runs them: one row each."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from services.agreements import domain
from services.agreements.commands import (
    AmendAgreement,
    ExpireAgreement,
    ExtendAgreement,
    SignAgreement,
    TerminateAgreement,
)
from shared.envelope import NewEvent
from shared.executor import Command, Reads, Table, business_date

AGGREGATE = "agreement"


def decide(state: domain.Agreement | None, command: domain.Command, now: datetime,
           **facts: Any) -> list[NewEvent]:
    """Date rules are judged on the prisons' date; `now` bounds a given occurred_at."""
    return domain.decide(state, command, business_date(now), **facts, now=now)


def _row(model: type, **options: Any) -> Command:
    return Command(model, AGGREGATE, "agreement_id", domain.evolve, decide, **options)


TABLE: Table = {
    # The agreement it renews, in the same prison, as `renewed`.
    "SignAgreement": _row(SignAgreement, creates=True,
                          reads=(Reads("renewed", AGGREGATE, "renews", domain.evolve),)),
    "ExtendAgreement": _row(ExtendAgreement),
    "AmendAgreement": _row(AmendAgreement),
    "TerminateAgreement": _row(TerminateAgreement),
    "ExpireAgreement": _row(ExpireAgreement, public=False),
}
COMMANDS = {name: row.model for name, row in TABLE.items() if row.public}
