"""Agreements domain: command validation."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from services.agreements.commands import (
    SignAgreement,
)
from services.agreements.domain import decide
from services.agreements.handlers import COMMANDS
from tests.unit.agreements_domain import (
    HIKSAN,
    LRPPN,
    PRISON_HEAD,
    extend,
    invalid_fields,
    lrppn_data,
)

# --- command validation -------------------------------------------------------------------

def test_public_commands() -> None:
    assert set(COMMANDS) == {"SignAgreement", "ExtendAgreement", "AmendAgreement",
                             "TerminateAgreement"}


def test_sign_is_parsed_and_normalised() -> None:
    command = SignAgreement.model_validate(lrppn_data(title="  Rehabilitasi sosial  "))
    assert command.title == "Rehabilitasi sosial"
    assert command.signed_on == date(2025, 2, 22)
    assert command.services == ["skills_training", "mental_guidance", "social_guidance"]
    with pytest.raises(ValidationError):
        command.title = "other"  # frozen


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"colour": "red"}, "colour"),
        ({"partner": {"id": "yayasan-gennesa", "name": "G", "kind": "foundation", "x": 1}},
         "partner.x"),
        ({"agreement_id": LRPPN.upper()}, "agreement_id"),
        ({"agreement_id": "not-a-uuid"}, "agreement_id"),
        ({"renews": "1234"}, "renews"),
        ({"partner": {"id": "Yayasan_Gennesa", "name": "G", "kind": "foundation"}}, "partner.id"),
        ({"partner": {"id": "yayasan-gennesa", "name": "G", "kind": "ngo"}}, "partner.kind"),
        ({"partner": {"id": "yayasan-gennesa", "name": "  ", "kind": "foundation"}},
         "partner.name"),
        ({"services": ["counseling", "yoga"]}, "services.1"),
        ({"services": []}, "services"),
        ({"services": ["counseling", "counseling"]}, "services"),
        ({"signatories": [PRISON_HEAD, {**HIKSAN, "party": "witness"}]}, "signatories.1.party"),
        ({"signatories": []}, "signatories"),
        ({"title": "x" * 201}, "title"),
        ({"number": " "}, "number"),
        ({"signed_on": "22/02/2025"}, "signed_on"),
        ({"signed_on": "2025-02-22T00:00:00"}, "signed_on"),
        ({"signed_on": 1740182400}, "signed_on"),
        ({"committed_sessions_per_month": -1}, "committed_sessions_per_month"),
        ({"committed_sessions_per_month": "4"}, "committed_sessions_per_month"),
        ({"committed_sessions_per_month": True}, "committed_sessions_per_month"),
        ({"occurred_at": "2025-02-22T10:00:00"}, "occurred_at"),
        ({"occurred_at": 1740193200}, "occurred_at"),
    ],
)
def test_sign_field_errors_name_the_field(changes: dict, field: str) -> None:
    assert field in invalid_fields("SignAgreement", lrppn_data(**changes))


def test_missing_field_and_non_object_data() -> None:
    data = lrppn_data()
    del data["number"]
    assert invalid_fields("SignAgreement", data) == ["number"]
    assert invalid_fields("SignAgreement", ["not", "an", "object"]) == [""]


def test_error_messages_do_not_echo_the_input() -> None:
    secret = "x" * 300
    data = lrppn_data(partner={"id": secret, "name": secret, "kind": secret},
                      services=[secret], signed_on=secret, occurred_at=secret)
    with pytest.raises(ValidationError) as caught:
        SignAgreement.model_validate(data)
    errors = caught.value.errors(include_input=False, include_url=False)
    assert len(errors) == 6
    assert all(secret not in e["msg"] and "xxx" not in str(e.get("ctx")) for e in errors)


def test_occurred_at_with_offset_is_kept() -> None:
    command = SignAgreement(**lrppn_data(occurred_at="2025-02-22T10:30:00+07:00"))
    [event] = decide(None, command, date(2025, 2, 22))
    assert event.occurred_at == "2025-02-22T10:30:00+07:00"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({}, "changes"),
        ({"number": "X"}, "changes.number"),
        ({"title": None}, "changes.title"),
        ({"services": None}, "changes.services"),
        ({"services": ["medical", "medical"]}, "changes.services"),
        ({"committed_sessions_per_month": -3}, "changes.committed_sessions_per_month"),
    ],
)
def test_amend_changes_validation(changes: dict, field: str) -> None:
    data = {"agreement_id": LRPPN, "signed_on": "2025-06-02", "changes": changes}
    assert field in invalid_fields("AmendAgreement", data)


def test_terminate_and_extend_text_validation() -> None:
    terminate_data = {"agreement_id": LRPPN, "terminated_on": "2025-09-30", "reason": "   "}
    assert invalid_fields("TerminateAgreement", terminate_data) == ["reason"]
    extend_data = extend().model_dump(mode="json") | {"note": "n" * 2001}
    assert invalid_fields("ExtendAgreement", extend_data) == ["note"]
    assert extend(note="   ").note is None
    assert extend(note=" Perpanjangan ").note == "Perpanjangan"
