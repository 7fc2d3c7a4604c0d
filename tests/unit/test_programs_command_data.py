"""Programs domain: command validation, the agreement view."""

from __future__ import annotations

import json
from datetime import date

import pytest
from pydantic import ValidationError

from services.programs.commands import (
    LaunchProgram,
    WithdrawParticipant,
)
from services.programs.domain import agreement_view
from services.programs.handlers import COMMANDS
from tests.unit.programs_domain import (
    ALIF,
    EXTENDED,
    GENNESA,
    PROGRAM,
    env,
    gennesa,
    invalid_fields,
    launch_data,
    withdraw,
)

# --- command validation -------------------------------------------------------------------

def test_public_commands() -> None:
    assert set(COMMANDS) == {
        "LaunchProgram", "EnrollParticipant", "WithdrawParticipant", "CompleteParticipant",
        "CloseProgram", "RegisterParticipant", "RecordAssessment", "RecordRelease",
        "RecordReadmission", "RecordUrineTest", "ResolveViolation",
        "RecordScreening", "ReferForAssessment", "ConcludeAssessment",
        "DecidePlacement", "WaitlistParticipant", "RecordRefusal", "RecordIneligibility",
        "RecordTransfer", "RevokeParole", "RecordDeath", "AdvancePhase",
        "AssignKanwil", "SetQuota"}


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
