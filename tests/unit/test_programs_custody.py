"""Programs domain, participant aggregate: the custody rules of issue 13 §5 — the typed
release (v2), transfer, parole revocation, death (services/programs/domain/custody.py)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from pydantic import ValidationError

from services.programs.commands import EnrollParticipant, RecordRelease
from services.programs.commands_custody import RecordDeath, RecordTransfer, RevokeParole
from services.programs.domain import participant
from services.programs.domain.participant import Participant
from shared.contract.events import decode
from tests.unit.programs_domain import PROGRAM, launched
from tests.unit.programs_domain import reject as reject_program
from tests.unit.test_programs_participant import (
    ALIF,
    TODAY,
    assess,
    env,
    inmate,
    readmit,
    register,
    reject,
    release,
)
from tests.unit.test_programs_participant import step as step_v1

HERE = "lapas-banyuwangi"


def step(state: Participant | None, command: Any, today: date = TODAY, **facts: Any
         ) -> Participant:
    """As the store gives it back: the event decoded at the version it was written with."""
    [event] = participant.decide(state, command, today, **facts)
    return participant.evolve(state, decode({
        "type": event.type, "schema_version": event.schema_version,
        "aggregate_id": command.participant_id, "data": event.data,
        "occurred_at": event.occurred_at}))


def transfer(on: str = "2025-10-01", to: str = "lapas-jember") -> RecordTransfer:
    return RecordTransfer(participant_id=ALIF, transferred_on=on, to_prison_id=to)


def revoke(on: str = "2026-03-02", reason: str = "violation_of_conditions") -> RevokeParole:
    return RevokeParole(participant_id=ALIF, revoked_on=on, reason=reason)


def death(on: str = "2025-12-01") -> RecordDeath:
    return RecordDeath(participant_id=ALIF, died_on=on)


def paroled() -> Participant:
    return step(inmate(), release())


def moved() -> Participant:
    return step(inmate(), transfer(), prison_id=HERE)


def dead() -> Participant:
    return step(inmate(), death())


LATER = date(2026, 6, 1)


# --- ParticipantReleased v2 -----------------------------------------------------------------

@pytest.mark.parametrize(("release_type", "given", "stored"), [
    ("parole", None, True), ("conditional_leave", None, True), ("pre_release_leave", None, True),
    ("assimilation", None, True), ("expiration", None, False), ("other", None, None),
    ("other", True, True), ("other", False, False), ("parole", True, True),
    ("expiration", False, False), ("transfer", None, None),
])
def test_conditional_defaults_from_the_release_type(release_type, given, stored):
    command = RecordRelease(participant_id=ALIF, released_on="2025-12-08",
                            release_type=release_type, conditional=given)
    [event] = participant.decide(inmate(), command, TODAY)
    assert (event.type, event.schema_version) == ("ParticipantReleased", 2)
    assert event.data == {"released_on": "2025-12-08", "release_type": release_type,
                          "conditional": stored}
    assert step(inmate(), command).conditional is (None if release_type == "transfer"
                                                   else stored)


@pytest.mark.parametrize(("release_type", "given"), [
    ("parole", False), ("assimilation", False), ("expiration", True), ("transfer", True),
    ("transfer", False)])
def test_conditional_contradicting_the_type_is_refused(release_type, given):
    command = RecordRelease(participant_id=ALIF, released_on="2025-12-08",
                            release_type=release_type, conditional=given)
    error = reject(f"conditional {str(given).lower()} contradicts release_type", inmate(),
                   command)
    assert error.details[0].field == "conditional"


def test_a_v1_release_folds_as_its_upcast():
    assert step_v1(inmate(), release()).conditional is True
    v1 = env("ParticipantReleased", ALIF, {"released_on": "2025-12-08",
                                           "release_type": "expiration"})
    assert participant.evolve(inmate(), v1).conditional is False


def test_conditional_must_be_a_json_boolean():
    with pytest.raises(ValidationError):
        RecordRelease.model_validate({"participant_id": ALIF, "released_on": "2025-12-08",
                                      "release_type": "other", "conditional": "true"})


# --- ParticipantTransferred -------------------------------------------------------------------

def test_transfer_leaves_custody_and_is_not_a_release():
    [event] = participant.decide(inmate(), transfer(), TODAY, prison_id=HERE)
    assert (event.type, event.data) == ("ParticipantTransferred", {
        "transferred_on": "2025-10-01", "to_prison_id": "lapas-jember"})
    out = moved()
    assert not out.in_custody and out.released_on is None and out.releases == 0
    assert out.transferred_on == date(2025, 10, 1)


def test_after_a_transfer_a_return_is_a_readmission_and_assessments_are_kept():
    back = step(moved(), readmit("2026-01-05"), LATER)
    assert back.in_custody and back.custody_since == date(2026, 1, 5)
    assert back.transferred_on is None and back.readmissions == 1
    assert step(moved(), assess(program_id=None)).transferred_on == date(2025, 10, 1)


def test_a_v1_release_of_type_transfer_is_a_transfer():
    out = step(inmate(), release("2025-10-01", "transfer"))
    assert out.transferred_on == date(2025, 10, 1) and out.released_on is None
    reject("transferred out on 2025-10-01", out, death("2025-11-01"))
    reject("participant is transferred out on 2025-10-01", out, revoke("2025-11-01"))


@pytest.mark.parametrize(("state", "command", "today", "fragment", "field"), [
    (inmate, transfer(to=HERE), TODAY, "to_prison_id must be another prison", "to_prison_id"),
    (inmate, transfer("2024-06-09"), TODAY,
     "transferred_on must not be before admitted_on (2024-06-10)", "transferred_on"),
    (inmate, transfer("2025-12-09"), TODAY, "transferred_on must not be in the future",
     "transferred_on"),
    (paroled, transfer("2025-12-08"), TODAY,
     "not in custody: already released on 2025-12-08", "transferred_on"),
    (moved, transfer("2025-12-08"), TODAY,
     "not in custody: transferred out on 2025-10-01", "transferred_on"),
    (moved, release(), TODAY, "not in custody: transferred out on 2025-10-01", "released_on"),
    (moved, revoke(), LATER, "a revocation follows a conditional release: participant is "
     "transferred out on 2025-10-01", "revoked_on"),
    (moved, death(), TODAY, "transferred out on 2025-10-01: the prison holding the person "
     "records the death", "died_on"),
    (moved, readmit("2025-09-30"), TODAY,
     "readmitted_on must not be before the transfer (2025-10-01)", "readmitted_on"),
])
def test_transfer_rules(state, command, today, fragment, field):
    error = reject(fragment, state(), command, today, prison_id=HERE)
    assert error.details[0].field == field


# --- ConditionalReleaseRevoked ----------------------------------------------------------------

def test_revocation_puts_the_parolee_back_in_custody_here():
    [event] = participant.decide(paroled(), revoke(), LATER)
    assert (event.type, event.data) == ("ConditionalReleaseRevoked", {
        "revoked_on": "2026-03-02", "reason": "violation_of_conditions"})
    back = step(paroled(), revoke(reason="new_offence"), LATER)
    assert back.in_custody and back.custody_since == date(2026, 3, 2)
    assert back.readmissions == 0 and back.conditional is None
    reject("released_on must not be before the revocation (2026-03-02)", back,
           release("2026-03-01"), LATER)
    assert step(back, release("2026-05-01", "expiration"), LATER).releases == 2


@pytest.mark.parametrize(("state", "command", "today", "fragment", "field"), [
    (inmate, revoke(), LATER, "a revocation follows a conditional release: participant is in "
     "custody", "revoked_on"),
    (lambda: step(inmate(), release(release_type="expiration")), revoke(), LATER,
     "the release on 2025-12-08 is not conditional: nothing to revoke", "revoked_on"),
    (lambda: step(inmate(), release(release_type="other")), revoke(), LATER,
     "is not conditional", "revoked_on"),
    (paroled, revoke("2025-12-07"), LATER,
     "revoked_on must not be before the last release (2025-12-08)", "revoked_on"),
    (paroled, revoke("2026-06-02"), LATER, "revoked_on must not be in the future",
     "revoked_on"),
    (lambda: step(paroled(), revoke(), LATER), revoke("2026-04-01"), LATER,
     "participant is in custody", "revoked_on"),
])
def test_revocation_rules(state, command, today, fragment, field):
    error = reject(fragment, state(), command, today)
    assert error.details[0].field == field


# --- ParticipantDied --------------------------------------------------------------------------

def test_death_in_custody_and_after_release():
    [event] = participant.decide(inmate(), death(), TODAY)
    assert (event.type, event.data) == ("ParticipantDied", {"died_on": "2025-12-01"})
    assert dead().died_on == date(2025, 12, 1)
    assert step(paroled(), death("2026-02-01"), LATER).died_on == date(2026, 2, 1)


@pytest.mark.parametrize(("state", "command", "today", "fragment"), [
    (inmate, death("2024-06-09"), TODAY, "died_on must not be before admitted_on (2024-06-10)"),
    (paroled, death("2025-12-07"), LATER, "died_on must not be before the last release "
     "(2025-12-08)"),
    (inmate, death("2025-12-09"), TODAY, "died_on must not be in the future"),
])
def test_death_rules(state, command, today, fragment):
    assert reject(fragment, state(), command, today).details[0].field == "died_on"


@pytest.mark.parametrize("command", [
    death("2025-12-02"), release(), transfer("2025-12-02"), revoke(), readmit(),
    assess(program_id=None), register()], ids=lambda c: type(c).__name__)
def test_after_a_death_every_command_is_refused(command: Any):
    fragment = ("already registered" if command == register()
                else "participant died on 2025-12-01: no command is accepted")
    reject(fragment, dead(), command, LATER, prison_id=HERE)
    paroled_then_dead = step(paroled(), death("2026-01-01"), LATER)
    if command != register():
        reject("participant died on 2026-01-01", paroled_then_dead, command, LATER,
               prison_id=HERE)


# --- command fields ----------------------------------------------------------------------------

@pytest.mark.parametrize(("model", "data", "field"), [
    (RecordTransfer, {"transferred_on": "2025-10-01", "to_prison_id": "Lapas Jember"},
     "to_prison_id"),
    (RecordTransfer, {"transferred_on": "2025-10-01"}, "to_prison_id"),
    (RevokeParole, {"revoked_on": "2026-03-02", "reason": "absconded"}, "reason"),
    (RecordDeath, {"died_on": "2025-12-01", "cause": "x"}, "cause"),
    (RecordDeath, {"died_on": "01/12/2025"}, "died_on"),
])
def test_invalid_fields(model, data, field):
    with pytest.raises(ValidationError) as caught:
        model.model_validate({"participant_id": ALIF, **data})
    assert [e["loc"][0] for e in caught.value.errors()] == [field]


# --- what EnrollParticipant reads of it ----------------------------------------------------

@pytest.mark.parametrize(("state", "fragment"), [
    (moved, "participant is transferred out: record a readmission (a return) before enrolling"),
    (dead, "participant died: no enrolment"),
])
def test_a_transferred_or_dead_participant_is_not_enrolled(state, fragment):
    command = EnrollParticipant(program_id=PROGRAM, participant_id=ALIF, enrolled_on="2025-03-03")
    error = reject_program(fragment, launched(), command, TODAY, participant=state())
    assert error.details[0].field == "participant_id"
    assert not state().in_custody
