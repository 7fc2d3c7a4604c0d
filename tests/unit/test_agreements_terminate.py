"""Agreements domain: AgreementTerminated; nothing after termination or expiry, nothing on an
unknown agreement."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from services.agreements.commands import (
    ExpireAgreement,
)
from services.agreements.domain import decide
from tests.unit.agreements_domain import (
    HIKSAN,
    LRPPN,
    PRISON_HEAD,
    amend,
    expired_lrppn,
    extend,
    lrppn,
    reject,
    step,
    terminate,
    terminated_lrppn,
)

# --- AgreementTerminated ------------------------------------------------------------------

def test_terminate() -> None:
    [event] = decide(lrppn(), terminate(), date(2025, 10, 1))
    assert event.type == "AgreementTerminated"
    assert event.data == {"terminated_on": "2025-09-30", "reason": "Mitra berhenti beroperasi"}
    assert event.occurred_at == "2025-09-30T00:00:00+07:00"
    assert terminated_lrppn().terminated_on == date(2025, 9, 30)


@pytest.mark.parametrize(
    ("terminated_on", "today", "fragment"),
    [
        ("2025-02-21", date(2025, 3, 1), "not be before the agreement's signed_on"),
        ("2025-10-02", date(2025, 10, 1), "terminated_on must not be in the future"),
        ("2026-02-22", date(2026, 2, 22), "already run out"),
    ],
)
def test_terminate_rules(terminated_on: str, today: date, fragment: str) -> None:
    reject("rule", fragment, lrppn(), terminate(terminated_on), today)



# --- nothing after termination or expiry, nothing on an unknown agreement -----------------

LATER = [
    lambda: extend(agreement_id=LRPPN, signatories=[PRISON_HEAD, HIKSAN], signed_on="2025-12-01",
                   effective_until="2027-02-21"),
    lambda: amend({"title": "Baru"}, "2025-12-01"),
    lambda: terminate("2025-12-01"),
    lambda: ExpireAgreement(agreement_id=LRPPN, expired_on="2026-02-22"),
]


@pytest.mark.parametrize("make", LATER)
def test_nothing_accepted_after_termination(make: Any) -> None:
    reject("rule", "nothing is accepted after termination", terminated_lrppn(), make(),
           date(2026, 3, 1))


@pytest.mark.parametrize("make", LATER[1:])
def test_nothing_but_a_late_recorded_extension_accepted_after_expiry(make: Any) -> None:
    reject("rule", "agreement has expired", expired_lrppn(), make(), date(2026, 3, 1))


def test_an_extension_signed_in_term_but_recorded_after_expiry_revives_it() -> None:
    revived = step(expired_lrppn(), LATER[0](), date(2026, 3, 1))
    assert revived.expired_on is None and revived.effective_until == date(2027, 2, 21)
    assert revived.in_force_on(date(2026, 3, 1))
    late = extend(agreement_id=LRPPN, signatories=[PRISON_HEAD, HIKSAN],
                  signed_on="2026-02-25", effective_until="2027-02-21")
    reject("rule", "had expired by signed_on", expired_lrppn(), late, date(2026, 3, 1))


@pytest.mark.parametrize("make", LATER)
def test_unknown_agreement_is_not_found(make: Any) -> None:
    reject("not_found", "not found", None, make(), date(2026, 3, 1))
