"""Programs domain: command validation, the agreement view, and every rule of the program
aggregate. (The participant aggregate's rules are in test_programs_participant.py.)

Data follows the Banyuwangi partnerships: Yayasan Gennesa first signed on 5 January 2023 and
extended on 19 February 2025; its 2025 programme of about 20 inmates closed on 8 December 2025
with all participants graduating.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from services.programs.commands import (
    CloseProgram,
    CompleteParticipant,
    EnrollParticipant,
    LaunchProgram,
    RecordReadmission,
    RecordRelease,
    RegisterParticipant,
    WithdrawParticipant,
)
from services.programs.domain import agreement_view, participant, program
from services.programs.domain.agreement_view import AgreementView
from services.programs.domain.participant import Participant
from services.programs.domain.program import Program
from services.programs.handlers import COMMANDS
from shared.contract.events import Fact, decode
from shared.errors import Rejected

GENNESA = "8a41d2c6-1e7f-4b95-a0d3-c62f9e58b714"
PROGRAM = "5b0e7c3a-9d21-4f68-8a4e-2c71d9f03b16"
ALIF = "0c4f9b1e-6a3d-4e27-b8f5-91d2a6c7e304"
BAYU = "d7a25e90-3b1c-4f86-9e0a-4c8b71f2d659"
CAKRA = "a93e1f47-c2d8-4b05-86f1-7e0d3b5a9c12"
TODAY = date(2025, 12, 8)


def env(kind: str, aggregate_id: str, data: dict[str, Any],
        occurred_at: str = "2025-03-03T00:00:00+07:00") -> Fact:
    return decode({"type": kind, "aggregate_id": aggregate_id, "data": data,
                   "occurred_at": occurred_at})


def gennesa(*more: tuple[str, dict[str, Any]]) -> AgreementView:
    state = agreement_view.evolve(None, env("AgreementSigned", GENNESA, {
        "services": ["counseling", "skills_training", "mental_guidance", "spiritual_guidance"],
        "effective_from": "2023-01-05", "effective_until": "2025-03-31", "signed_on": "2023-01-05",
    }))
    for kind, data in more:
        state = agreement_view.evolve(state, env(kind, GENNESA, data))
    return state


EXTENDED = ("AgreementExtended", {"signed_on": "2025-02-19", "effective_until": "2026-03-31"})


def step(decide: Any, evolve: Any, state: Any, command: BaseModel, today: date = TODAY,
         **facts: Any) -> Any:
    """decide, check the one event is JSON-ready, then evolve it: the round trip."""
    events = decide(state, command, today, **facts)
    assert len(events) == 1
    assert json.loads(json.dumps(events[0].data)) == events[0].data
    own = command.program_id if command.AGGREGATE == "program" else command.participant_id
    return evolve(state, env(events[0].type, own, events[0].data, events[0].occurred_at))


def reject(fragment: str, state: Any, command: BaseModel, today: date = TODAY,
           code: str = "rule", **facts: Any) -> Rejected:
    decide = program.decide if command.AGGREGATE == "program" else participant.decide
    with pytest.raises(Rejected) as caught:
        decide(state, command, today, **facts)
    assert caught.value.code == code
    assert fragment in caught.value.message
    return caught.value


def invalid_fields(name: str, data: Any) -> list[str]:
    """Validate like the edge does; the loc paths are what the reply's details name."""
    with pytest.raises(ValidationError) as caught:
        COMMANDS[name].model_validate(data)
    return [".".join(map(str, e["loc"])) for e in caught.value.errors()]


def launch_data(**changes: Any) -> dict[str, Any]:
    data = {"program_id": PROGRAM, "agreement_id": GENNESA, "name": "Rehabilitasi Sosial 2025",
            "cohort": "2025", "activities": ["spiritual_guidance", "counseling"],
            "starts_on": "2025-03-03", "ends_on": "2025-12-08", "capacity": 20}
    return {**data, **changes}


def launched(**changes: Any) -> Program:
    return step(program.decide, program.evolve, None, LaunchProgram(**launch_data(**changes)),
                agreement=gennesa(EXTENDED))


def inmate(pid: str = ALIF, admitted_on: str = "2024-06-10") -> Participant:
    command = RegisterParticipant(participant_id=pid, case_type="narcotics_user",
                                  admitted_on=admitted_on)
    return step(participant.decide, participant.evolve, None, command)


def enroll(state: Program, pid: str = ALIF, on: str = "2025-03-03", **facts: Any) -> Program:
    facts.setdefault("participant", inmate(pid))
    command = EnrollParticipant(program_id=PROGRAM, participant_id=pid, enrolled_on=on)
    return step(program.decide, program.evolve, state, command, **facts)


def withdraw(pid: str = ALIF, on: str = "2025-06-02", reason: str = "discipline"):
    return WithdrawParticipant(program_id=PROGRAM, participant_id=pid, withdrawn_on=on,
                               reason=reason)


def complete(pid: str = ALIF, on: str = "2025-12-08"):
    return CompleteParticipant(program_id=PROGRAM, participant_id=pid, completed_on=on)


def close(on: str = "2025-12-08"):
    return CloseProgram(program_id=PROGRAM, closed_on=on)


# --- command validation -------------------------------------------------------------------

def test_public_commands() -> None:
    assert set(COMMANDS) == {
        "LaunchProgram", "EnrollParticipant", "WithdrawParticipant", "CompleteParticipant",
        "CloseProgram", "RegisterParticipant", "RecordAssessment", "RecordRelease",
        "RecordReadmission"}


@pytest.mark.parametrize("name", sorted(COMMANDS))
@pytest.mark.parametrize("key", ["name", "nik", "register_number"])
def test_personal_data_is_rejected_without_echo(name: str, key: str) -> None:
    secret = "3510012345670001"
    with pytest.raises(ValidationError) as caught:
        COMMANDS[name].model_validate({"program_id": PROGRAM, "participant_id": ALIF,
                                       key: secret})
    errors = caught.value.errors(include_input=False, include_url=False)
    if name != "LaunchProgram" or key != "name":  # LaunchProgram's own `name` is the program's
        assert key in {".".join(map(str, e["loc"])) for e in errors}
    assert secret not in json.dumps(errors, default=str)


@pytest.mark.parametrize(
    ("name", "data", "field"),
    [
        ("LaunchProgram", launch_data(program_id=PROGRAM.upper()), "program_id"),
        ("LaunchProgram", launch_data(agreement_id="pks-1"), "agreement_id"),
        ("LaunchProgram", launch_data(activities=[]), "activities"),
        ("LaunchProgram", launch_data(activities=["counseling", "counseling"]), "activities"),
        ("LaunchProgram", launch_data(activities=["counseling", "yoga"]), "activities.1"),
        ("LaunchProgram", launch_data(capacity=0), "capacity"),
        ("LaunchProgram", launch_data(capacity="20"), "capacity"),
        ("LaunchProgram", launch_data(capacity=True), "capacity"),
        ("LaunchProgram", launch_data(cohort="  "), "cohort"),
        ("LaunchProgram", launch_data(name="x" * 201), "name"),
        ("LaunchProgram", launch_data(starts_on="03/03/2025"), "starts_on"),
        ("LaunchProgram", launch_data(occurred_at="2025-03-03T09:00:00"), "occurred_at"),
        ("WithdrawParticipant", withdraw().model_dump(mode="json") | {"reason": "bored"},
         "reason"),
        ("WithdrawParticipant", withdraw().model_dump(mode="json") | {"note": "n" * 2001}, "note"),
        ("EnrollParticipant", {"program_id": PROGRAM, "enrolled_on": "2025-03-03"},
         "participant_id"),
        ("CloseProgram", {"program_id": PROGRAM, "closed_on": 1765152000}, "closed_on"),
    ],
)
def test_program_field_errors_name_the_field(name: str, data: dict, field: str) -> None:
    assert field in invalid_fields(name, data)


def test_launch_is_normalised() -> None:
    command = LaunchProgram(**launch_data(name="  Rehabilitasi Sosial 2025 "))
    assert command.name == "Rehabilitasi Sosial 2025"
    assert command.activities == ["counseling", "spiritual_guidance"]
    assert withdraw().note is None
    assert WithdrawParticipant(**withdraw().model_dump() | {"note": "   "}).note is None
    assert WithdrawParticipant(**withdraw().model_dump() | {"note": " pindah "}).note == "pindah"


# --- the agreement view -------------------------------------------------------------------

def test_agreement_view_follows_extension_amendment_termination_and_expiry() -> None:
    view = gennesa()
    assert view.in_force_on(date(2023, 1, 5)) and view.in_force_on(date(2025, 3, 31))
    assert not view.in_force_on(date(2023, 1, 4)) and not view.in_force_on(date(2025, 4, 1))
    assert gennesa(EXTENDED).in_force_on(date(2026, 3, 31))
    amended = gennesa(("AgreementAmended", {"changes": {"services": ["medical"]}}))
    assert amended.services == ("medical",)
    assert gennesa(("AgreementAmended", {"changes": {"title": "Baru"}})) == view
    ended = gennesa(("AgreementTerminated", {"terminated_on": "2024-07-01", "reason": "x"}))
    assert ended.in_force_on(date(2024, 6, 30)) and not ended.in_force_on(date(2024, 7, 1))
    expired = gennesa(("AgreementExpired", {"expired_on": "2025-04-01"}))
    assert expired.in_force_on(date(2025, 3, 31)) and not expired.in_force_on(date(2025, 4, 1))


def test_agreement_view_refuses_what_it_does_not_understand() -> None:
    with pytest.raises(ValueError, match="before AgreementSigned"):
        agreement_view.evolve(None, env("AgreementExtended", GENNESA, {}))
    with pytest.raises(ValueError, match="unknown agreement event type"):
        agreement_view.evolve(gennesa(), env("AgreementSuspended", GENNESA, {}))


# --- ProgramLaunched ----------------------------------------------------------------------

def test_launch_writes_program_launched() -> None:
    [event] = program.decide(None, LaunchProgram(**launch_data()), TODAY,
                             agreement=gennesa(EXTENDED))
    assert event.type == "ProgramLaunched"
    assert event.occurred_at == "2025-03-03T00:00:00+07:00"
    expected = {k: v for k, v in launch_data().items() if k != "program_id"}
    assert event.data == expected | {"activities": ["counseling", "spiritual_guidance"]}
    state = launched()
    assert (state.agreement_id, state.capacity, state.active) == (GENNESA, 20, 0)
    assert state.closed_on is None


def test_launch_keeps_a_given_occurred_at_and_may_start_in_the_future() -> None:
    command = LaunchProgram(**launch_data(occurred_at="2025-03-03T09:30:00+07:00"))
    [event] = program.decide(None, command, date(2025, 2, 20), agreement=gennesa(EXTENDED))
    assert event.occurred_at == "2025-03-03T09:30:00+07:00"


def test_launch_uses_services_as_amended() -> None:
    amended = gennesa(EXTENDED, ("AgreementAmended", {"changes": {"services": ["medical"]}}))
    command = LaunchProgram(**launch_data(activities=["medical"]))
    assert program.decide(None, command, TODAY, agreement=amended)
    reject("counseling, spiritual_guidance not covered", None, LaunchProgram(**launch_data()),
           agreement=amended)


@pytest.mark.parametrize(
    ("changes", "agreement", "fragment", "field"),
    [
        ({"ends_on": "2025-03-03"}, gennesa(EXTENDED), "ends_on must be after starts_on",
         "ends_on"),
        ({"ends_on": "2025-01-01"}, gennesa(EXTENDED), "ends_on must be after starts_on",
         "ends_on"),
        ({}, None, "agreement not found in this prison", "agreement_id"),
        ({}, gennesa(("AgreementTerminated", {"terminated_on": "2025-10-01", "reason": "x"})),
         "agreement is terminated", "agreement_id"),
        ({"starts_on": "2025-04-07"}, gennesa(),
         "not in force on starts_on: it runs from 2023-01-05 to 2025-03-31",
         "starts_on"),
        ({"starts_on": "2025-04-01"}, gennesa(), "not in force on starts_on", "starts_on"),
        ({"starts_on": "2023-01-04"}, gennesa(), "not in force on starts_on", "starts_on"),
        ({"starts_on": "2025-04-07"}, gennesa(("AgreementExpired", {"expired_on": "2025-04-01"})),
         "not in force on starts_on", "starts_on"),
        ({"activities": ["medical", "counseling"]}, gennesa(EXTENDED),
         "medical not covered (the agreement covers counseling, skills_training", "activities"),
    ],
)
def test_launch_rules(changes: dict, agreement: Any, fragment: str, field: str) -> None:
    command = LaunchProgram(**launch_data(**changes))
    error = reject(fragment, None, command, agreement=agreement)
    assert error.details[0].field == field


def test_launch_is_once_and_before_expiry_a_late_record_is_fine() -> None:
    reject("already launched", launched(), LaunchProgram(**launch_data()),
           agreement=gennesa(EXTENDED))
    # Recorded after the old term ran out, but the program started within it.
    expired = gennesa(("AgreementExpired", {"expired_on": "2025-04-01"}))
    early = LaunchProgram(**launch_data(starts_on="2025-01-06", ends_on="2025-03-31"))
    assert program.decide(None, early, TODAY, agreement=expired)


# --- ParticipantEnrolled ------------------------------------------------------------------

def test_enroll_writes_participant_enrolled() -> None:
    command = EnrollParticipant(program_id=PROGRAM, participant_id=ALIF, enrolled_on="2025-03-03")
    [event] = program.decide(launched(), command, TODAY, participant=inmate())
    assert (event.type, event.occurred_at) == ("ParticipantEnrolled", "2025-03-03T00:00:00+07:00")
    assert event.data == {"participant_id": ALIF, "enrolled_on": "2025-03-03"}
    state = enroll(launched())
    assert state.is_active(ALIF) and state.active == 1 and ALIF in state.members


def released(pid: str = ALIF) -> Participant:
    command = RecordRelease(participant_id=pid, released_on="2025-02-01", release_type="parole")
    return step(participant.decide, participant.evolve, inmate(pid), command)


def readmitted(on: str = "2025-04-10") -> Participant:
    command = RecordReadmission(participant_id=ALIF, readmitted_on=on)
    return step(participant.decide, participant.evolve, released(), command)


@pytest.mark.parametrize(
    ("on", "fact", "today", "fragment", "field"),
    [
        ("2025-03-03", None, TODAY, "not registered in this prison", "participant_id"),
        ("2025-03-03", released(), TODAY, "participant is released: record a readmission",
         "participant_id"),
        ("2025-03-11", inmate(), date(2025, 3, 10), "enrolled_on must not be in the future",
         "enrolled_on"),
        ("2025-03-02", inmate(), TODAY, "within the program's term 2025-03-03 to 2025-12-08",
         "enrolled_on"),
        ("2025-12-09", inmate(), date(2025, 12, 9), "within the program's term", "enrolled_on"),
        ("2025-03-03", inmate(admitted_on="2025-03-04"), TODAY,
         "must not be before the participant's current admission (2025-03-04)", "enrolled_on"),
        ("2025-04-09", readmitted(), TODAY,
         "must not be before the participant's current admission (2025-04-10)", "enrolled_on"),
    ],
)
def test_enroll_rules(on: str, fact: Any, today: date, fragment: str, field: str) -> None:
    command = EnrollParticipant(program_id=PROGRAM, participant_id=ALIF, enrolled_on=on)
    error = reject(fragment, launched(), command, today, participant=fact)
    assert error.details[0].field == field


def test_enroll_after_readmission_is_fine() -> None:
    assert enroll(launched(), on="2025-04-10", participant=readmitted()).is_active(ALIF)


def test_enroll_only_once_while_active_and_never_after_completion() -> None:
    command = EnrollParticipant(program_id=PROGRAM, participant_id=ALIF, enrolled_on="2025-04-01")
    reject("already active in this program", enroll(launched()), command, participant=inmate())
    done = step(program.decide, program.evolve, enroll(launched()), complete(on="2025-06-01"))
    reject("already completed this program", done, command, participant=inmate())


def test_re_enrolment_after_withdrawal_is_allowed_but_not_backdated() -> None:
    out = step(program.decide, program.evolve, enroll(launched()), withdraw(on="2025-04-01"))
    assert not out.is_active(ALIF)
    reject("before the participant's withdrawal from this program (2025-04-01)", out,
           EnrollParticipant(program_id=PROGRAM, participant_id=ALIF, enrolled_on="2025-03-31"),
           participant=inmate())
    back = enroll(out, on="2025-04-01")
    assert back.is_active(ALIF) and back.members[ALIF].enrolled_on == date(2025, 4, 1)


def test_capacity_holds_and_a_withdrawal_frees_a_place() -> None:
    full = enroll(enroll(launched(capacity=2)), BAYU)
    command = EnrollParticipant(program_id=PROGRAM, participant_id=CAKRA, enrolled_on="2025-03-04")
    error = reject("program is full: 2 of 2 places are taken", full, command,
                   participant=inmate(CAKRA))
    assert error.details[0].field == "participant_id"
    freed = step(program.decide, program.evolve, full, withdraw(BAYU, "2025-03-04", "health"))
    assert enroll(freed, CAKRA, "2025-03-04").active == 2


def test_nothing_on_an_unknown_program() -> None:
    for command in (withdraw(), complete(), close(),
                    EnrollParticipant(program_id=PROGRAM, participant_id=ALIF,
                                      enrolled_on="2025-03-03")):
        reject(f"program {PROGRAM} not found", None, command, code="not_found")


# --- ParticipantWithdrawn and ParticipantCompleted ----------------------------------------

def test_withdraw_writes_participant_withdrawn() -> None:
    [event] = program.decide(enroll(launched()), withdraw(), TODAY)
    assert (event.type, event.occurred_at) == ("ParticipantWithdrawn", "2025-06-02T00:00:00+07:00")
    assert event.data == {"participant_id": ALIF, "withdrawn_on": "2025-06-02",
                          "reason": "discipline", "note": None}
    state = step(program.decide, program.evolve, enroll(launched()), withdraw())
    assert state.members[ALIF].status == "withdrawn" and state.active == 0


def test_complete_writes_participant_completed() -> None:
    [event] = program.decide(enroll(launched()), complete(), TODAY)
    assert event.type == "ParticipantCompleted"
    assert event.data == {"participant_id": ALIF, "completed_on": "2025-12-08"}
    state = step(program.decide, program.evolve, enroll(launched()), complete())
    assert state.members[ALIF].status == "completed" and ALIF in state.members


@pytest.mark.parametrize(("make", "field"), [
    (lambda on: withdraw(on=on), "withdrawn_on"), (lambda on: complete(on=on), "completed_on")])
def test_leaving_rules(make: Any, field: str) -> None:
    reject("participant is not active in this program", launched(), make("2025-06-02"))
    out = step(program.decide, program.evolve, enroll(launched()), withdraw(on="2025-05-01"))
    reject("participant is not active in this program", out, make("2025-06-02"))
    error = reject(f"{field} must not be before enrolled_on (2025-03-03)", enroll(launched()),
                   make("2025-03-02"))
    assert error.details[0].field == field
    reject(f"{field} must not be in the future", enroll(launched()), make("2025-06-03"),
           date(2025, 6, 2))


# --- ProgramClosed ------------------------------------------------------------------------

def graduated() -> Program:
    """The 2025 programme: everybody enrolled, everybody graduated on 8 December."""
    state = launched()
    for pid in (ALIF, BAYU, CAKRA):
        state = enroll(state, pid)
    for pid in (ALIF, BAYU, CAKRA):
        state = step(program.decide, program.evolve, state, complete(pid))
    return state


def test_close_writes_program_closed_once_all_graduated() -> None:
    [event] = program.decide(graduated(), close(), TODAY)
    assert (event.type, event.data) == ("ProgramClosed", {"closed_on": "2025-12-08"})
    assert step(program.decide, program.evolve, graduated(), close()).closed_on == TODAY


@pytest.mark.parametrize(
    ("state", "on", "today", "fragment"),
    [
        (launched, "2025-03-02", TODAY, "closed_on must not be before starts_on (2025-03-03)"),
        (launched, "2025-12-09", TODAY, "closed_on must not be in the future"),
        (lambda: enroll(launched()), "2025-12-08", TODAY,
         "1 participants are still active: complete or withdraw them before closing"),
        (graduated, "2025-12-07", TODAY, "must not be before the program's last enrolment, "
         "completion or withdrawal (2025-12-08)"),
    ],
)
def test_close_rules(state: Any, on: str, today: date, fragment: str) -> None:
    error = reject(fragment, state(), close(on), today)
    assert error.details[0].field == "closed_on"


@pytest.mark.parametrize("make", [
    close, complete, withdraw,
    lambda: EnrollParticipant(program_id=PROGRAM, participant_id=ALIF, enrolled_on="2025-12-08")])
def test_nothing_accepted_after_closing(make: Any) -> None:
    done = step(program.decide, program.evolve, graduated(), close())
    reject("program is closed: nothing is accepted after closing", done, make(),
           participant=inmate())


def test_program_evolve_refuses_what_it_does_not_understand() -> None:
    with pytest.raises(ValueError, match="before ProgramLaunched"):
        program.evolve(None, env("ProgramClosed", PROGRAM, {"closed_on": "2025-12-08"}))
    with pytest.raises(ValueError, match="unknown program event type"):
        program.evolve(launched(), env("ProgramPaused", PROGRAM, {}))


# --- occurred_at: a more precise form of the event's date ---------------------------------

def test_occurred_at_must_fall_on_the_event_date_in_wib() -> None:
    # 20:00 UTC on 2 March is 03:00 WIB on 3 March: the enrolment's date.
    command = EnrollParticipant(program_id=PROGRAM, participant_id=ALIF, enrolled_on="2025-03-03",
                                occurred_at="2025-03-02T20:00:00Z")
    [event] = program.decide(launched(), command, TODAY, participant=inmate())
    assert event.occurred_at == "2025-03-02T20:00:00+00:00"
    late = timed(command, datetime(2025, 3, 3, 17, 0, tzinfo=UTC))
    error = reject("occurred_at must fall on enrolled_on (2025-03-03) in WIB (UTC+7)",
                   launched(), late, participant=inmate())
    assert error.details[0].field == "occurred_at"
    launch = LaunchProgram(**launch_data(occurred_at="2025-03-04T09:00:00+07:00"))
    reject("occurred_at must fall on starts_on (2025-03-03)", None, launch,
           agreement=gennesa(EXTENDED))


def at(hour: int, day: str = "2025-03-03") -> str:
    return f"{day}T{hour:02d}:00:00+07:00"


def timed(command: BaseModel, occurred_at: Any) -> Any:
    """The same command with an occurred_at, validated as the edge would."""
    return type(command).model_validate(command.model_dump() | {"occurred_at": occurred_at})


def test_same_day_events_keep_their_order_by_occurred_at() -> None:
    morning = EnrollParticipant(program_id=PROGRAM, participant_id=ALIF,
                                enrolled_on="2025-03-03", occurred_at=at(10))
    state = step(program.decide, program.evolve, launched(), morning, participant=inmate())
    reject("occurred_at (2025-03-03T00:00:00+07:00) must not be before the enrolment's "
           "occurred_at (2025-03-03T10:00:00+07:00)", state, complete(on="2025-03-03"))
    done = timed(complete(on="2025-03-03"), at(17))
    done = step(program.decide, program.evolve, state, done)
    reject("must not be before the last completion's or withdrawal's occurred_at", done,
           close("2025-03-03"))
    assert program.decide(done, timed(close("2025-03-03"), at(18)), TODAY)


def test_re_enrolment_on_the_day_of_withdrawal_follows_it() -> None:
    out = timed(withdraw(on="2025-04-01"), at(12, "2025-04-01"))
    out = step(program.decide, program.evolve, enroll(launched()), out)
    again = EnrollParticipant(program_id=PROGRAM, participant_id=ALIF, enrolled_on="2025-04-01")
    reject("must not be before the withdrawal's occurred_at", out, again, participant=inmate())
    later = timed(again, at(13, "2025-04-01"))
    assert step(program.decide, program.evolve, out, later, participant=inmate()).is_active(ALIF)
