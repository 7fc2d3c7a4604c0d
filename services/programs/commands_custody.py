"""Commands that end or change a participant's custody in this prison (issue 13,
docs/pathway.md §5): transfer, parole revocation, death. (`RecordRelease` and
`RecordReadmission` are in `commands.py`.) Field checks only; the rules are in
`domain/custody.py`.
"""

from __future__ import annotations

from services.programs.commands import ParticipantCommand
from shared.contract.fields import RevocationReason
from shared.fields import Day, Slug


class RecordTransfer(ParticipantCommand):
    """Record that a participant in custody here is moved to another prison; writes
    `ParticipantTransferred`. Not a release: the person stays in custody, in `to_prison_id`,
    which registers the arrival with `RegisterParticipant` (the same pseudonym); that
    registration is not a readmission.

    Afterwards this prison's participant accepts `RecordReadmission` (a return here) and
    `RecordAssessment` (a late record of an earlier assessment), nothing else.

    Rules: the participant is registered in this prison (`not_found`), in custody and alive;
    `to_prison_id` is not this prison; `transferred_on` is not before the current admission and
    not in the future.
    """

    transferred_on: Day
    to_prison_id: Slug


class RevokeParole(ParticipantCommand):
    """Record that a conditional release (parole, conditional leave, pre-release leave,
    assimilation) was revoked; writes `ConditionalReleaseRevoked`. The person is back in
    custody in this prison (not a readmission: a revocation is its own kind of return).

    Rules: the participant is registered in this prison (`not_found`), alive, and released by
    a release with `conditional: true` that has not ended; `revoked_on` is not before that
    release and not in the future.
    """

    revoked_on: Day
    reason: RevocationReason


class RecordDeath(ParticipantCommand):
    """Record that a participant died, in custody here or after a release from here; writes
    `ParticipantDied`, after which the participant accepts no command.

    Rules: the participant is registered in this prison (`not_found`), not already recorded
    dead and not transferred out (the prison holding the person records it); `died_on` is not
    before the current admission (in custody) or the last release (released), and not in the
    future.
    """

    died_on: Day
