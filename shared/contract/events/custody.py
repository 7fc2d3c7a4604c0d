"""Custody events of the `participant` aggregate (issue 13, docs/pathway.md §5): how a stay in
a prison ends and what follows — a typed release (v2), a transfer, a revoked parole, a death.

`ParticipantReleased` v1 is in `participant.py`; its v2 and the upcaster joining them sit here,
beside the other custody events.
"""

from __future__ import annotations

from shared.contract.events.participant import ParticipantReleased
from shared.contract.fields import Day, RevocationReason, Slug
from shared.contract.registry import Event, events, register
from shared.contract.upcasting import Data, upcaster

# Release types that leave the person under sentence (a Bapas client): parole (PB),
# conditional leave (CB), pre-release leave (CMB), assimilation.
CONDITIONAL_TYPES = frozenset({"parole", "conditional_leave", "pre_release_leave",
                               "assimilation"})
FINAL_TYPES = frozenset({"expiration"})


def conditional_of(release_type: str | None) -> bool | None:
    """What a release type says about `conditional`: true, false, or null (`other`,
    `transfer`: not known from the type)."""
    if release_type in CONDITIONAL_TYPES:
        return True
    if release_type in FINAL_TYPES:
        return False
    return None


class ParticipantReleasedV2(ParticipantReleased):
    """v2: `conditional` — true while the person stays under sentence after release
    (parole, conditional_leave, pre_release_leave, assimilation), false for a final release
    (expiration), null when not known (`other` without it; `transfer`, deprecated: a transfer
    is `ParticipantTransferred`, not a release)."""

    conditional: bool | None


class ParticipantTransferred(Event):
    """The person leaves this prison's custody for another prison: not a release."""

    transferred_on: Day
    to_prison_id: Slug


class ConditionalReleaseRevoked(Event):
    """A conditional release (parole …) revoked: the person is back in custody in this prison."""

    revoked_on: Day
    reason: RevocationReason


class ParticipantDied(Event):
    """The person died, in custody or after release; the aggregate accepts nothing after it."""

    died_on: Day


events("participant", ParticipantTransferred, ConditionalReleaseRevoked, ParticipantDied)
register("participant", "ParticipantReleased", 2, ParticipantReleasedV2)


@upcaster("ParticipantReleased", 1)
def participant_released_v1_to_v2(data: Data) -> Data:
    """v1 did not say whether the release was conditional: derived from its type, which
    determines it for every type but `other` and `transfer` (null: not known)."""
    return {**data, "conditional": conditional_of(data.get("release_type"))}
