"""A given `occurred_at` on an agreement command has happened, on the command's own date:
not in the future (it used to be accepted, e.g. a signing "occurring" in 2030), and not on
another day than the one the command dates."""

import uuid

import pytest

from tests.unit.test_agreements_handlers import Service, signing


def extension(agreement_id, **over):
    return {"agreement_id": agreement_id, "signed_on": "2025-02-28",
            "effective_until": "2026-04-30", "note": None,
            "signatories": signing(agreement_id)["signatories"], **over}


def termination(agreement_id, **over):
    return {"agreement_id": agreement_id, "terminated_on": "2025-03-01", "reason": "mitra bubar",
            **over}


@pytest.mark.parametrize(("name", "data", "occurred_at"), [
    ("SignAgreement", signing, "2030-02-19T10:00:00+07:00"),  # far future, another day
    ("SignAgreement", signing, "2025-02-20T10:00:00+07:00"),  # after signed_on
    ("ExtendAgreement", extension, "2025-03-28T10:00:00+07:00"),
    ("TerminateAgreement", termination, "2025-03-01T10:30:00+07:00"),  # today, but later
])
async def test_a_future_or_misdated_occurred_at_is_refused(name, data, occurred_at):
    service = Service([])  # its clock: 2025-03-01 10:00 WIB
    agreement = str(uuid.uuid4())
    if name != "SignAgreement":
        assert (await service.send("SignAgreement", signing(agreement)))["ok"]
    before = len(service.store.log)
    reply = await service.send(name, data(agreement, occurred_at=occurred_at))
    assert reply["error"]["code"] == "rule", reply
    assert [d["field"] for d in reply["error"]["details"]] == ["occurred_at"]
    assert len(service.store.log) == before


async def test_a_past_occurred_at_on_the_date_is_kept():
    service = Service([])
    agreement = str(uuid.uuid4())
    assert (await service.send("SignAgreement", signing(agreement)))["ok"]
    reply = await service.send("TerminateAgreement",
                               termination(agreement, occurred_at="2025-03-01T09:15:00+07:00"))
    assert reply["ok"], reply
    assert service.store.log[-1].envelope["occurred_at"] == "2025-03-01T09:15:00+07:00"
