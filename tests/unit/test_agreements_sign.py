"""Agreements domain: AgreementSigned."""

from __future__ import annotations

from datetime import date

import pytest

from services.agreements.commands import (
    SignAgreement,
)
from services.agreements.domain import decide
from tests.unit.agreements_domain import (
    GENNESA,
    GENNESA_2025,
    HIKSAN,
    LRPPN,
    PRISON_HEAD,
    TUTIK,
    extend,
    gennesa,
    gennesa_data,
    lrppn,
    lrppn_data,
    reject,
    step,
)

# --- AgreementSigned ----------------------------------------------------------------------

def test_sign_writes_agreement_signed() -> None:
    [event] = decide(None, SignAgreement(**lrppn_data()), date(2025, 2, 22))
    assert event.type == "AgreementSigned"
    assert event.occurred_at == "2025-02-22T00:00:00+07:00"
    assert event.data == {k: v for k, v in lrppn_data().items() if k != "agreement_id"} | {
        "services": ["skills_training", "mental_guidance", "social_guidance"],
    }
    state = lrppn()
    assert (state.agreement_id, state.partner_id, state.extensions) == (
        LRPPN, "ipwl-lrppn-bi-banyuwangi", 0)
    assert state.effective_until == date(2026, 2, 21)
    assert state.committed_sessions_per_month == 4


def test_renewal_of_gennesa_under_the_new_prison_head() -> None:
    previous = step(gennesa(), extend(), date(2025, 2, 19))
    new_head = {**PRISON_HEAD, "name": "Kepala Lapas yang baru"}
    command = SignAgreement(**gennesa_data(
        agreement_id=GENNESA_2025, signed_on="2025-07-08", effective_from="2025-07-08",
        effective_until="2027-07-07", signatories=[new_head, TUTIK], renews=GENNESA))
    state = step(None, command, date(2025, 7, 8), renewed=previous)
    assert state.renews == GENNESA


@pytest.mark.parametrize(
    ("changes", "today", "fragment"),
    [
        ({"effective_until": "2025-02-22"}, date(2025, 2, 22), "effective_until must be after"),
        ({"effective_until": "2025-02-01"}, date(2025, 2, 22), "effective_until must be after"),
        ({"effective_from": "2025-01-01", "effective_until": "2025-02-01"}, date(2025, 3, 1),
         "signed_on must not be after effective_until"),
        ({}, date(2025, 2, 21), "signed_on must not be in the future"),
        ({"signatories": [PRISON_HEAD]}, date(2025, 2, 22), "at least one of each party"),
        ({"signatories": [HIKSAN, HIKSAN]}, date(2025, 2, 22), "at least one of each party"),
        ({"renews": LRPPN}, date(2025, 2, 22), "cannot renew itself"),
        ({"renews": GENNESA}, date(2025, 2, 22), "renewed agreement not found in this prison"),
    ],
)
def test_sign_rules(changes: dict, today: date, fragment: str) -> None:
    error = reject("rule", fragment, None, SignAgreement(**lrppn_data(**changes)), today)
    assert error.details and error.details[0].field


def test_sign_rejected_when_already_signed() -> None:
    reject("rule", "already signed", lrppn(), SignAgreement(**lrppn_data()), date(2025, 3, 1))


def test_renewal_must_be_with_the_same_partner() -> None:
    command = SignAgreement(**lrppn_data(renews=GENNESA))
    reject("rule", "another partner", None, command, date(2025, 2, 22), renewed=gennesa())
