"""Agreements domain: command validation, every rule of decide, evolve, status and expiry.

Data follows the Banyuwangi partnerships: IPWL LRPPN-BI signed on 22 February 2025, Yayasan
Gennesa first signed on 5 January 2023 and extended on 19 February 2025.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from services.agreements.commands import (
    AmendAgreement,
    ExpireAgreement,
    ExtendAgreement,
    SignAgreement,
    TerminateAgreement,
)
from services.agreements.domain import Agreement, decide, evolve, expiry_due
from services.agreements.handlers import COMMANDS
from shared.contract.events import Fact, decode
from shared.envelope import NewEvent
from shared.errors import Rejected

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
    with pytest.raises(Rejected) as caught:
        decide(state, command, today, renewed)
    assert caught.value.code == code
    assert fragment in caught.value.message
    return caught.value


def invalid_fields(name: str, data: Any) -> list[str]:
    """Validate like the edge does; the loc paths are what the reply's details name."""
    with pytest.raises(ValidationError) as caught:
        COMMANDS[name].model_validate(data)
    return [".".join(map(str, e["loc"])) for e in caught.value.errors()]


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


# --- AgreementExpired and the timer -------------------------------------------------------

def test_expiry_is_due_the_day_after_effective_until() -> None:
    state = lrppn()
    assert expiry_due(state, date(2026, 2, 21)) is None
    command = expiry_due(state, date(2026, 3, 15))
    assert command == ExpireAgreement(agreement_id=LRPPN, expired_on="2026-02-22")
    [event] = decide(state, command, date(2026, 3, 15))
    assert (event.type, event.data) == ("AgreementExpired", {"expired_on": "2026-02-22"})
    # The same on every instance, whatever its clock: the event is fully determined by state.
    assert event == decide(state, expiry_due(state, date(2026, 2, 22)), date(2026, 2, 22))[0]
    assert event.occurred_at == "2026-02-22T00:00:00+07:00"
    expired = step(state, command, date(2026, 3, 15))
    assert expired.expired_on == date(2026, 2, 22)
    assert expiry_due(expired, date(2026, 3, 16)) is None
    assert expiry_due(terminated_lrppn(), date(2026, 3, 16)) is None
    assert expiry_due(None, date(2026, 3, 16)) is None


def test_expire_rules() -> None:
    early = ExpireAgreement(agreement_id=LRPPN, expired_on="2026-02-22")
    reject("rule", "before effective_until has passed", lrppn(), early, date(2026, 2, 21))
    wrong = ExpireAgreement(agreement_id=LRPPN, expired_on="2026-03-01")
    reject("rule", "day after effective_until", lrppn(), wrong, date(2026, 3, 2))


# --- in force ------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("day", "in_force"),
    [
        (date(2025, 2, 21), False),   # signed but not yet effective
        (date(2025, 2, 22), True),
        (date(2025, 12, 22), True),
        (date(2025, 12, 23), True),
        (date(2026, 2, 21), True),  # effective_until itself
        (date(2026, 2, 22), False),
    ],
)
def test_in_force(day: date, in_force: bool) -> None:
    assert lrppn().in_force_on(day) is in_force


def test_in_force_after_termination() -> None:
    terminated = terminated_lrppn()
    assert terminated.in_force_on(date(2025, 9, 29))
    assert not terminated.in_force_on(date(2025, 9, 30))


# --- the fold -----------------------------------------------------------------------------

def test_full_history_round_trip() -> None:
    state = step(gennesa(), extend(), date(2025, 2, 19))
    state = step(state, AmendAgreement(agreement_id=GENNESA, signed_on="2025-03-10",
                                       changes={"services": ["counseling", "aftercare"]},
                                       note="Tambah pendampingan pasca bebas"), date(2025, 3, 10))
    state = step(state, TerminateAgreement(agreement_id=GENNESA, terminated_on="2025-07-07",
                                           reason="Diganti PKS baru"), date(2025, 7, 8))
    assert state == Agreement(
        agreement_id=GENNESA, partner_id="yayasan-gennesa",
        partner_name="Yayasan Gendhog Nemu Sariro (Gennesa)",
        number="W15.PAS.PAS.17-HM.05.02-0005",
        title="Rehabilitasi sosial bagi warga binaan perkara narkoba",
        services=("counseling", "aftercare"), signed_on=date(2023, 1, 5),
        effective_from=date(2023, 1, 5), effective_until=date(2026, 3, 31),
        committed_sessions_per_month=None, renews=None, extensions=1,
        terminated_on=date(2025, 7, 7), expired_on=None,
    )


def test_evolve_refuses_what_decide_never_writes() -> None:
    with pytest.raises(ValueError):
        evolve(None, envelope(LRPPN, NewEvent("AgreementExtended", {}, "")))
    with pytest.raises(ValueError):
        evolve(lrppn(), envelope(LRPPN, NewEvent("AgreementRenamed", {}, "")))


@given(st.lists(st.integers(min_value=1, max_value=800), min_size=1, max_size=8))
def test_extensions_only_move_forward(steps_in_days: list[int]) -> None:
    state = gennesa()
    for days in steps_in_days:
        until = state.effective_until + timedelta(days=days)
        signed_on = state.effective_until  # the last day it is still in force
        command = extend(signed_on=signed_on.isoformat(), effective_until=until.isoformat())
        backwards = extend(signed_on=signed_on.isoformat(),
                           effective_until=(until - timedelta(days=days)).isoformat())
        reject("rule", "must move effective_until later", state, backwards, signed_on)
        previous = state.effective_until
        state = step(state, command, signed_on)
        assert state.effective_until > previous
    assert state.extensions == len(steps_in_days)
