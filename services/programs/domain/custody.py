"""Custody rules of the participant aggregate (issue 13, docs/pathway.md §5): the typed
release, transfer, parole revocation and death. Pure; `participant.py` delegates to it.

States a participant of one prison moves through:
- in custody here → released (`ParticipantReleased`, conditional or final) or transferred out
  (`ParticipantTransferred`, or a v1 release of type `transfer`: the same to every reader) or
  dead;
- released → back in custody (`ParticipantReadmitted`; `ConditionalReleaseRevoked` after a
  conditional release) or dead;
- transferred out → back in custody (`ParticipantReadmitted`: a return to this prison);
  the receiving prison records everything else (a death included);
- dead → nothing: every command is refused.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from services.programs.commands import RecordRelease
from services.programs.commands_custody import RecordDeath, RecordTransfer, RevokeParole
from services.programs.domain.common import dated, not_before, not_future
from shared.contract.events import (
    ConditionalReleaseRevoked,
    Event,
    ParticipantDied,
    ParticipantReleased,
    ParticipantReleasedV2,
    ParticipantTransferred,
)
from shared.contract.events.custody import conditional_of
from shared.envelope import NewEvent
from shared.errors import rule

if TYPE_CHECKING:
    from datetime import date

    from services.programs.domain.participant import Participant

TRANSFER = "transfer"


def alive(state: Participant) -> None:
    """Refuse any command on a participant recorded dead."""
    if state.died_on is not None:
        raise rule(f"participant died on {state.died_on.isoformat()}: no command is accepted",
                   "participant_id")


def release(state: Participant, c: RecordRelease, today: date) -> NewEvent:
    if not state.in_custody:
        raise rule(f"participant is not in custody: {_out(state)}", "released_on")
    not_before(c.released_on, state.custody_since, "released_on", state.custody_from)
    not_future(c.released_on, today, "released_on")
    implied = conditional_of(c.release_type)
    if c.conditional is not None and (c.release_type == TRANSFER or implied is not None
                                      and c.conditional != implied):
        raise rule(f"conditional {str(c.conditional).lower()} contradicts release_type "
                   f"{c.release_type}", "conditional")
    conditional = implied if c.conditional is None else c.conditional
    released = ParticipantReleasedV2.of(released_on=c.released_on, release_type=c.release_type,
                                        conditional=conditional)
    return dated(released, c.released_on, c.occurred_at, "released_on")


def transfer(state: Participant, c: RecordTransfer, today: date, prison_id: str) -> NewEvent:
    if not state.in_custody:
        raise rule(f"participant is not in custody: {_out(state)}", "transferred_on")
    if c.to_prison_id == prison_id:
        raise rule("to_prison_id must be another prison", "to_prison_id")
    not_before(c.transferred_on, state.custody_since, "transferred_on", state.custody_from)
    not_future(c.transferred_on, today, "transferred_on")
    moved = ParticipantTransferred.of(transferred_on=c.transferred_on,
                                      to_prison_id=c.to_prison_id)
    return dated(moved, c.transferred_on, c.occurred_at, "transferred_on")


def revoke(state: Participant, c: RevokeParole, today: date) -> NewEvent:
    if state.released_on is None:
        raise rule("a revocation follows a conditional release: participant is "
                   + ("in custody" if state.in_custody else _out(state)), "revoked_on")
    if state.conditional is not True:
        raise rule(f"the release on {state.released_on.isoformat()} is not conditional: "
                   "nothing to revoke", "revoked_on")
    not_before(c.revoked_on, state.released_on, "revoked_on", "the last release")
    not_future(c.revoked_on, today, "revoked_on")
    revoked = ConditionalReleaseRevoked.of(revoked_on=c.revoked_on, reason=c.reason)
    return dated(revoked, c.revoked_on, c.occurred_at, "revoked_on")


def die(state: Participant, c: RecordDeath, today: date) -> NewEvent:
    if state.transferred_on is not None:
        raise rule(f"participant was transferred out on {state.transferred_on.isoformat()}: "
                   "the prison holding the person records the death", "died_on")
    if state.released_on is not None:
        not_before(c.died_on, state.released_on, "died_on", "the last release")
    else:
        not_before(c.died_on, state.custody_since, "died_on", state.custody_from)
    not_future(c.died_on, today, "died_on")
    return dated(ParticipantDied.of(died_on=c.died_on), c.died_on, c.occurred_at, "died_on")


def evolve(state: Participant, event: Event) -> Participant | None:
    """The state after a custody event; None when `event` is not one."""
    match event:
        # v2 (the store upcasts v1); a v1 model, as a test may build it, reads as its upcast.
        case ParticipantReleased(release_type="transfer"):
            return replace(state, transferred_on=event.released_on,
                           releases=state.releases + 1)
        case ParticipantReleased():
            conditional = getattr(event, "conditional", conditional_of(event.release_type))
            return replace(state, released_on=event.released_on, releases=state.releases + 1,
                           conditional=conditional)
        case ParticipantTransferred():
            return replace(state, transferred_on=event.transferred_on)
        case ConditionalReleaseRevoked():
            return replace(state, released_on=None, conditional=None,
                           custody_since=event.revoked_on, custody_from="the revocation")
        case ParticipantDied():
            return replace(state, died_on=event.died_on)
    return None


def _out(state: Participant) -> str:
    if state.transferred_on is not None:
        return f"transferred out on {state.transferred_on.isoformat()}"
    return f"already released on {state.released_on.isoformat()}"  # type: ignore[union-attr]
