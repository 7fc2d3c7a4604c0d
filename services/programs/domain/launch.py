"""`LaunchProgram`'s decision: the agreement it runs under, and its track and phase plan."""

from __future__ import annotations

from typing import Any

from services.programs.commands import LaunchProgram
from services.programs.domain.agreement_view import AgreementView
from services.programs.domain.common import dated
from shared.contract.events import ProgramLaunchedV2
from shared.envelope import NewEvent
from shared.errors import rule


def launch(state: Any, c: LaunchProgram, agreement: AgreementView | None) -> NewEvent:
    if state is not None:
        raise rule("program already launched: a program id is launched once", "program_id")
    if c.ends_on <= c.starts_on:
        raise rule("ends_on must be after starts_on", "ends_on")
    _plan(c)
    if agreement is None:
        raise rule("agreement not found in this prison", "agreement_id")
    if agreement.terminated_on is not None:
        raise rule("agreement is terminated: no program can be launched under it",
                   "agreement_id")
    if not agreement.in_force_on(c.starts_on):
        raise rule(
            "agreement is not in force on starts_on: it runs from "
            f"{agreement.effective_from.isoformat()} to {agreement.effective_until.isoformat()}",
            "starts_on",
        )
    uncovered = [a for a in c.activities if a not in agreement.services]
    if uncovered:
        raise rule(
            f"activities must be services of the agreement: {', '.join(uncovered)} not covered "
            f"(the agreement covers {', '.join(agreement.services)})",
            "activities",
        )
    launched = ProgramLaunchedV2.of(
        agreement_id=c.agreement_id, name=c.name, cohort=c.cohort, activities=c.activities,
        starts_on=c.starts_on, ends_on=c.ends_on, capacity=c.capacity, track=c.track,
        planned_days=c.planned_days,
        phases=[{"name": p.name, "days": p.days} for p in c.phases])
    return dated(launched, c.starts_on, c.occurred_at, "starts_on")


def _plan(c: LaunchProgram) -> None:
    """The plan fits the term: a participant enrolled on `starts_on` can follow it to the end
    by `ends_on` (both days counted), and the phases fit the planned length."""
    term = (c.ends_on - c.starts_on).days + 1
    if c.planned_days is not None and c.planned_days > term:
        raise rule(f"planned_days ({c.planned_days}) must not exceed the term's {term} days "
                   "(starts_on to ends_on, both counted)", "planned_days")
    total = sum(phase.days for phase in c.phases)
    if c.planned_days is not None and total > c.planned_days:
        raise rule(f"the phases' days add up to {total}, more than planned_days "
                   f"({c.planned_days})", "phases")
    if total > term:
        raise rule(f"the phases' days add up to {total}, more than the term's {term} days "
                   "(starts_on to ends_on, both counted)", "phases")
