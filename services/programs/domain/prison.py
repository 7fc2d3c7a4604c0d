"""A prison's own aggregate: the Kanwil it belongs to and its yearly quotas per track. State,
`decide` and `evolve`; pure."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

from services.programs.domain.common import at, dated, not_before, not_future
from services.programs.prison_commands import AssignKanwil, SetQuota
from shared.contract.events import Fact, KanwilAssigned, QuotaSet
from shared.envelope import WIB, NewEvent
from shared.errors import rule

Command = AssignKanwil | SetQuota


@dataclass(frozen=True)
class Prison:
    kanwil_id: str | None = None
    kanwil_name: str | None = None
    assigned_on: date | None = None
    # (year, track) → target in force.
    quotas: dict[tuple[int, str], int] = field(default_factory=dict)


def decide(state: Prison | None, command: Command, today: date) -> list[NewEvent]:
    """The one event `command` asks for, or `Rejected`. Who may send it (a region covering
    the prison, for its own Kanwil) is checked at the edge (`shared.regions`)."""
    state = state or Prison()
    match command:
        case AssignKanwil():
            return [_assign(state, command, today)]
        case SetQuota():
            return [_quota(command, today)]
    raise TypeError(f"not a prison command: {type(command).__name__}")


def _assign(state: Prison, command: AssignKanwil, today: date) -> NewEvent:
    not_future(command.assigned_on, today, "assigned_on")
    if state.assigned_on is not None:
        not_before(command.assigned_on, state.assigned_on, "assigned_on",
                   "the current assignment")
    if (state.kanwil_id, state.kanwil_name) == (command.kanwil_id, command.kanwil_name):
        raise rule(f"the prison is already assigned to {command.kanwil_id} under this name",
                   "kanwil_id")
    new = KanwilAssigned.of(kanwil_id=command.kanwil_id, kanwil_name=command.kanwil_name,
                            assigned_on=command.assigned_on)
    return dated(new, command.assigned_on, command.occurred_at, "assigned_on")


def _quota(command: SetQuota, today: date) -> NewEvent:
    """A quota has no business date: it is set when it is sent (`occurred_at`, else the start
    of today in WIB), never in the future."""
    if command.occurred_at is not None:
        not_future(command.occurred_at.astimezone(WIB).date(), today, "occurred_at")
    new = QuotaSet.of(year=command.year, track=command.track, target=command.target,
                      note=command.note)
    return new.stamped(at(today, command.occurred_at).isoformat())


def evolve(state: Prison | None, fact: Fact) -> Prison:
    state = state or Prison()
    event = fact.event
    if isinstance(event, KanwilAssigned):
        return replace(state, kanwil_id=event.kanwil_id, kanwil_name=event.kanwil_name,
                       assigned_on=event.assigned_on)
    if isinstance(event, QuotaSet):
        return replace(state, quotas={**state.quotas, (event.year, event.track): event.target})
    raise TypeError(f"not a prison event: {type(event).__name__}")
