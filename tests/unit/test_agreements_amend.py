"""Agreements domain: AgreementAmended."""

from __future__ import annotations

from datetime import date

import pytest

from services.agreements.commands import (
    AmendAgreement,
)
from services.agreements.domain import decide
from tests.unit.agreements_domain import (
    LRPPN,
    amend,
    lrppn,
    reject,
    step,
)

# --- AgreementAmended ---------------------------------------------------------------------

@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"title": "Rehabilitasi sosial terpadu"}, {"title": "Rehabilitasi sosial terpadu"}),
        ({"services": ["aftercare", "counseling"]}, {"services": ("counseling", "aftercare")}),
        ({"committed_sessions_per_month": 8}, {"committed_sessions_per_month": 8}),
        ({"committed_sessions_per_month": None}, {"committed_sessions_per_month": None}),
        ({"title": "Rehabilitasi sosial terpadu", "committed_sessions_per_month": 4},
         {"title": "Rehabilitasi sosial terpadu"}),
    ],
)
def test_amend(changes: dict, expected: dict) -> None:
    before = lrppn()
    [event] = decide(before, amend(changes), date(2025, 6, 2))
    assert event.type == "AgreementAmended"
    assert event.data["changes"] == AmendAgreement(
        agreement_id=LRPPN, signed_on="2025-06-02", changes=changes).changes.given()
    assert set(event.data) == {"signed_on", "changes", "note"}
    after = step(before, amend(changes), date(2025, 6, 2))
    for key, value in expected.items():
        assert getattr(after, key) == value
    assert after.effective_until == before.effective_until


@pytest.mark.parametrize(
    ("changes", "signed_on", "today", "fragment"),
    [
        ({"committed_sessions_per_month": 4}, "2025-06-02", date(2025, 6, 2), "change something"),
        ({"services": ["social_guidance", "skills_training", "mental_guidance"]}, "2025-06-02",
         date(2025, 6, 2), "change something"),
        ({"title": "Baru"}, "2025-02-21", date(2025, 6, 2), "not be before the agreement's"),
        ({"title": "Baru"}, "2025-06-03", date(2025, 6, 2), "signed_on must not be in the future"),
        ({"title": "Baru"}, "2026-02-22", date(2026, 2, 22), "had expired by signed_on"),
    ],
)
def test_amend_rules(changes: dict, signed_on: str, today: date, fragment: str) -> None:
    reject("rule", fragment, lrppn(), amend(changes, signed_on), today)
