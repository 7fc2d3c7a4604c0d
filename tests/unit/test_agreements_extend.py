"""Agreements domain: AgreementExtended."""

from __future__ import annotations

from datetime import date

import pytest

from services.agreements.domain import decide
from tests.unit.agreements_domain import (
    PRISON_HEAD,
    TUTIK,
    extend,
    gennesa,
    reject,
    step,
)

# --- AgreementExtended --------------------------------------------------------------------

def test_gennesa_extension_of_19_february_2025() -> None:
    [event] = decide(gennesa(), extend(), date(2025, 2, 19))
    assert event.type == "AgreementExtended"
    assert event.occurred_at == "2025-02-19T00:00:00+07:00"
    assert event.data == {"signed_on": "2025-02-19", "effective_until": "2026-03-31",
                          "signatories": [PRISON_HEAD, TUTIK],
                          "note": "Perpanjangan PKS rehabilitasi sosial"}
    state = step(gennesa(), extend(), date(2025, 2, 19))
    assert (state.effective_until, state.extensions) == (date(2026, 3, 31), 1)
    assert state.signed_on == date(2023, 1, 5)


@pytest.mark.parametrize(
    ("changes", "today", "fragment"),
    [
        ({"effective_until": "2025-03-31"}, date(2025, 2, 19), "must move effective_until later"),
        ({"effective_until": "2025-01-31"}, date(2025, 2, 19), "must move effective_until later"),
        ({"signed_on": "2023-01-04"}, date(2025, 2, 19), "not be before the agreement's"),
        ({}, date(2025, 2, 18), "signed_on must not be in the future"),
        ({"signed_on": "2025-04-01"}, date(2025, 4, 1), "had expired by signed_on"),
        ({"signatories": [TUTIK]}, date(2025, 2, 19), "at least one of each party"),
    ],
)
def test_extend_rules(changes: dict, today: date, fragment: str) -> None:
    reject("rule", fragment, gennesa(), extend(**changes), today)
