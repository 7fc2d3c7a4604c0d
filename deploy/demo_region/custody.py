"""What becomes of the region's participants after their cohort (docs/pathway.md §5): releases
of every type, conditional and final; a parole revoked; readmissions to the same prison and,
through the person's pseudonym, to another prison of the region; deaths; and the transfers and
mid-term releases and deaths that withdrew someone from a cohort."""

from __future__ import annotations

import random
from datetime import date

from deploy.demo_region.intake import register
from deploy.demo_region.people import Person
from deploy.demo_region.timeline import CUTOFF, Timeline, days

# A completer's fate, in turn (each cohort starts at its own place in the list): a release
# type, then what follows it ("readmitted", "elsewhere": readmitted to another prison,
# "revoked": parole revoked, "died"), or "stays": still serving the sentence.
FATES = (("parole", None), ("stays", None), ("expiration", None), ("assimilation", None),
         ("parole", "revoked"), ("conditional_leave", None), ("stays", None),
         ("expiration", "readmitted"), ("pre_release_leave", None), ("parole", None),
         ("other", None), ("expiration", None), ("stays", None), ("assimilation", None),
         ("parole", None), ("expiration", "elsewhere"), ("conditional_leave", None),
         ("stays", None), ("expiration", "died"), ("parole", None), ("assimilation", None),
         ("expiration", None), ("stays", None), ("parole", "readmitted"))
REVOCATIONS = ("violation_of_conditions", "new_offence")


def _other(prison: str, prisons: tuple[str, ...], n: int) -> str:
    others = [p for p in prisons if p != prison]
    return others[n % len(others)]


def withdrawal_custody(tl: Timeline, prison: str, prisons: tuple[str, ...], p: Person) -> None:
    """The custody event behind a withdrawal: transferred, released or died."""
    pid, day = p.participant_id, p.left_on
    if p.withdrawal == "transferred":
        to = _other(prison, prisons, p.n)
        tl.add(prison, day, "programs", "RecordTransfer", {
            "participant_id": pid, "transferred_on": day.isoformat(), "to_prison_id": to})
        register(tl, to, pid, p.case_type, day)
    elif p.withdrawal == "released":
        tl.add(prison, day, "programs", "RecordRelease", {
            "participant_id": pid, "released_on": day.isoformat(), "release_type": "parole"})
    elif p.withdrawal == "died":
        tl.add(prison, day, "programs", "RecordDeath", {
            "participant_id": pid, "died_on": day.isoformat()})


def after_program(tl: Timeline, prison: str, prisons: tuple[str, ...], group: list[Person],
                  rng: random.Random, ends_on: date, turn: int) -> None:
    completers = [p for p in group if p.withdrawal is None]
    for k, p in enumerate(completers):
        release_type, then = FATES[(k + 5 * turn) % len(FATES)]
        released = ends_on + days(rng.randint(7, 240))
        if release_type == "stays" or released > CUTOFF:
            continue
        pid = p.participant_id
        tl.add(prison, released, "programs", "RecordRelease", {
            "participant_id": pid, "released_on": released.isoformat(),
            "release_type": release_type})
        later = released + days(rng.randint(45, 400))
        if then is None or later > CUTOFF:
            continue
        if then == "readmitted":
            tl.add(prison, later, "programs", "RecordReadmission", {
                "participant_id": pid, "readmitted_on": later.isoformat()})
        elif then == "elsewhere":
            register(tl, _other(prison, prisons, p.n + turn), pid, p.case_type, later)
        elif then == "revoked":
            tl.add(prison, later, "programs", "RevokeParole", {
                "participant_id": pid, "revoked_on": later.isoformat(),
                "reason": REVOCATIONS[turn % 2]})
        elif then == "died":
            tl.add(prison, later, "programs", "RecordDeath", {
                "participant_id": pid, "died_on": later.isoformat()})
