"""`AdvancePhase`'s decision: a participant's own move to a later phase of the program's plan."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from services.programs.commands import AdvancePhase
from services.programs.domain.common import at, dated, not_before, not_before_instant, not_future
from shared.contract.events import PhaseAdvanced
from shared.envelope import NewEvent
from shared.errors import rule

if TYPE_CHECKING:  # the program module imports this one
    from services.programs.domain.program import Program


def advance(state: Program, c: AdvancePhase, today: date) -> NewEvent:
    plan = state.phases
    if not plan:
        raise rule("the program has no phase plan: only a program launched with phases has "
                   "phases to advance to", "phase")
    if not state.is_active(c.participant_id):
        raise rule("participant is not active in this program", "participant_id")
    member = state.members[c.participant_id]
    if c.phase not in plan:
        raise rule(f"phase {c.phase} is not in the program's plan ({', '.join(plan)})", "phase")
    if member.phase is None or plan.index(c.phase) <= plan.index(member.phase):
        raise rule(f"phase must be later in the plan ({', '.join(plan)}) than the "
                   f"participant's current phase ({member.phase})", "phase")
    not_future(c.advanced_on, today, "advanced_on")
    if not state.starts_on <= c.advanced_on <= state.ends_on:
        raise rule(f"advanced_on must be within the program's term {state.starts_on.isoformat()} "
                   f"to {state.ends_on.isoformat()}", "advanced_on")
    if member.phase_since is not None and member.phase_at is not None:
        not_before(c.advanced_on, member.phase_since, "advanced_on",
                   "the enrolment or the last advance")
        not_before_instant(at(c.advanced_on, c.occurred_at), member.phase_at,
                           "the enrolment's or the last advance's occurred_at")
    advanced = PhaseAdvanced.of(participant_id=c.participant_id, phase=c.phase,
                                advanced_on=c.advanced_on)
    return dated(advanced, c.advanced_on, c.occurred_at, "advanced_on")
