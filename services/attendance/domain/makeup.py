"""Sessions that did not take place, make-ups and compliance marks (issue 13, pathway.md §6).

Pure: no I/O, no clock. What a rule needs from the log is passed in by the handler: the
program's roster, the replaced session's state, and which sessions of this prison a held
session already made up (`fold_makeups` over every `SessionHeld` of the prison's sessions).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from types import MappingProxyType

from services.attendance.commands import HoldSession, RecordSessionNotHeld
from services.attendance.domain.roster import Roster
from services.attendance.domain.session import Session
from shared.contract.events import Fact, SessionHeld, SessionNotHeld
from shared.envelope import NewEvent
from shared.errors import Detail, Rejected, rule

# The marks that say the participant was there: only those may carry a compliance.
ATTENDED = frozenset({"present", "late"})


def not_held(state: Session | None, c: RecordSessionNotHeld, now: datetime,
             program: Roster | None) -> NewEvent:
    """SessionNotHeld on a scheduled session of the same program, or on a new session id."""
    if state is not None:
        if state.stage != "scheduled":
            raise rule(f"session is {_STAGES[state.stage]}: only a scheduled session can be "
                       "recorded not held", "session_id")
        if state.program_id != c.program_id:
            raise rule(f"session was scheduled for program {state.program_id}", "program_id")
    elif program is None:
        raise rule(f"program {c.program_id} not found in this prison", "program_id")
    if c.planned_for > now:
        raise rule("planned_for must not be in the future: a session called off in advance is "
                   "cancelled (CancelSession)", "planned_for")
    if c.occurred_at is not None and c.occurred_at != c.planned_for:
        raise rule("a session not held occurred at its planned_for: leave occurred_at out or "
                   "send the same instant", "occurred_at")
    event = SessionNotHeld.of(program_id=c.program_id, planned_for=c.planned_for,
                              reason=c.reason, note=c.note)
    return event.stamped(c.planned_for.isoformat())


_STAGES = {"held": "already held", "cancelled": "cancelled", "not_held": "already recorded not "
           "held", "scheduled": "scheduled"}


def check_makeup(c: HoldSession, replaced: Session | None,
                 made_up: Mapping[str, str] | None) -> None:
    """`makeup_for` names a session of the same program in this prison that was not held or
    cancelled, and that no other held session made up."""
    if c.makeup_for is None:
        return
    if c.makeup_for == c.session_id:
        raise rule("a session cannot make up for itself", "makeup_for")
    if replaced is None:
        raise rule(f"session {c.makeup_for} not found in this prison", "makeup_for")
    if replaced.program_id != c.program_id:
        raise rule(f"session {c.makeup_for} belongs to program {replaced.program_id}: a "
                   "make-up is a session of the same program", "makeup_for")
    if replaced.stage not in ("not_held", "cancelled"):
        raise rule(f"session {c.makeup_for} is {replaced.stage}: only a session not held or "
                   "cancelled can be made up", "makeup_for")
    by = (made_up or {}).get(c.makeup_for)
    if by is not None and by != c.session_id:
        raise rule(f"session {c.makeup_for} was already made up by session {by}", "makeup_for")


def check_compliance(marks: Iterable[tuple[str, str, str | None]], field: str) -> None:
    """A compliance only beside a present or late mark; the reply names each mark at fault."""
    wrong = [Detail(where, f"{status} mark cannot have a compliance: only present or late")
             for where, status, compliance in marks
             if compliance is not None and status not in ATTENDED]
    if wrong:
        raise Rejected("rule", f"compliance is recorded only for present or late marks "
                       f"({field})", wrong)


def fold_makeups(state: Mapping[str, str] | None, facts: Sequence[Fact]
                 ) -> Mapping[str, str] | None:
    """replaced session id -> the first held session that made it up, in log order."""
    made_up = dict(state or {})
    for fact in facts:
        event = fact.event
        replaced = getattr(event, "makeup_for", None) if isinstance(event, SessionHeld) else None
        if replaced is not None:
            made_up.setdefault(replaced, fact.aggregate_id)
    return MappingProxyType(made_up)


def evolve_makeups(state: Mapping[str, str] | None, fact: Fact) -> Mapping[str, str] | None:
    return fold_makeups(state, [fact])
