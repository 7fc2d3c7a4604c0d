"""Fixtures and helpers of the domain tests (split by command into test_*.py).

Agreements domain: command validation, every rule of decide, evolve, status and expiry.

Data follows the Banyuwangi partnerships: IPWL LRPPN-BI signed on 22 February 2025, Yayasan
Gennesa first signed on 5 January 2023 and extended on 19 February 2025.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from pydantic import BaseModel

from services.agreements.commands import (
    AmendAgreement,
    ExpireAgreement,
    ExtendAgreement,
    SignAgreement,
    TerminateAgreement,
)
from services.agreements.domain import Agreement, decide, evolve
from services.agreements.handlers import COMMANDS
from shared.contract.events import Fact, decode
from shared.errors import Rejected
from tests.unit import refusals

LRPPN = "3f0c9a52-7d41-4e0b-9a63-5b2d8e1c4f70"


GENNESA = "8a41d2c6-1e7f-4b95-a0d3-c62f9e58b714"


GENNESA_2025 = "c5e2b8f1-0a3d-4c76-9e14-7b9d6a2f3e85"


PRISON_HEAD = {"name": "Mochamad Mukaffi", "title": "Kepala Lapas Banyuwangi", "party": "prison"}


HIKSAN = {"name": "Mohammad Hiksan", "title": "Ketua DPD LRPPN-BI Banyuwangi", "party": "partner"}


TUTIK = {"name": "Tutik Handayani", "title": "Ketua Yayasan Gennesa", "party": "partner"}


def lrppn_data(**changes: Any) -> dict[str, Any]:
    data = {
        "agreement_id": LRPPN,
        "number": "W15.PAS.PAS.17-HM.05.02-0221",
        "title": "Pembinaan dan rehabilitasi sosial warga binaan kasus narkotika",
        "partner": {"id": "ipwl-lrppn-bi-banyuwangi", "name": "IPWL LRPPN-BI Banyuwangi",
                    "kind": "ipwl"},
        "services": ["mental_guidance", "social_guidance", "skills_training"],
        "signed_on": "2025-02-22",
        "effective_from": "2025-02-22",
        "effective_until": "2026-02-21",
        "signatories": [PRISON_HEAD, HIKSAN],
        "renews": None,
        "committed_sessions_per_month": 4,
    }
    return {**data, **changes}


def gennesa_data(**changes: Any) -> dict[str, Any]:
    data = {
        "agreement_id": GENNESA,
        "number": "W15.PAS.PAS.17-HM.05.02-0005",
        "title": "Rehabilitasi sosial bagi warga binaan perkara narkoba",
        "partner": {"id": "yayasan-gennesa", "name": "Yayasan Gendhog Nemu Sariro (Gennesa)",
                    "kind": "foundation"},
        "services": ["counseling", "skills_training", "mental_guidance", "spiritual_guidance"],
        "signed_on": "2023-01-05",
        "effective_from": "2023-01-05",
        "effective_until": "2025-03-31",
        "signatories": [PRISON_HEAD, TUTIK],
    }
    return {**data, **changes}


def envelope(aggregate_id: str, event: Any) -> Fact:
    return decode({"type": event.type, "aggregate_id": aggregate_id, "data": event.data,
                   "occurred_at": event.occurred_at})


def step(state: Agreement | None, command: BaseModel, today: date,
         renewed: Agreement | None = None) -> Agreement:
    """decide, check the one event is JSON-ready, then evolve it: the round trip."""
    events = decide(state, command, today, renewed)
    assert len(events) == 1
    assert json.loads(json.dumps(events[0].data)) == events[0].data
    return evolve(state, envelope(command.agreement_id, events[0]))


def reject(code: str, fragment: str, state: Agreement | None, command: BaseModel, today: date,
           renewed: Agreement | None = None) -> Rejected:
    return refusals.refused(code, fragment, decide, state, command, today, renewed)


def invalid_fields(name: str, data: Any) -> list[str]:
    return refusals.invalid_fields(COMMANDS, name, data)


def lrppn() -> Agreement:
    return step(None, SignAgreement(**lrppn_data()), date(2025, 2, 22))


def gennesa() -> Agreement:
    return step(None, SignAgreement(**gennesa_data()), date(2023, 1, 5))


def extend(**changes: Any) -> ExtendAgreement:
    data = {"agreement_id": GENNESA, "signed_on": "2025-02-19", "effective_until": "2026-03-31",
            "signatories": [PRISON_HEAD, TUTIK], "note": "Perpanjangan PKS rehabilitasi sosial"}
    return ExtendAgreement(**{**data, **changes})


def amend(changes: dict[str, Any], signed_on: str = "2025-06-02") -> AmendAgreement:
    return AmendAgreement(agreement_id=LRPPN, signed_on=signed_on, changes=changes)


def terminate(terminated_on: str = "2025-09-30", reason: str = "Mitra berhenti beroperasi"):
    return TerminateAgreement(agreement_id=LRPPN, terminated_on=terminated_on, reason=reason)


def expired_lrppn() -> Agreement:
    return step(lrppn(), ExpireAgreement(agreement_id=LRPPN, expired_on="2026-02-22"),
                date(2026, 2, 22))


def terminated_lrppn() -> Agreement:
    return step(lrppn(), terminate(), date(2025, 10, 1))
