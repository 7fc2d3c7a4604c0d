"""The agreements read model: the pure fold and the status rule."""

from datetime import date

import pytest

from services.reporting.projections.agreements import AgreementsProjection, evolve
from services.reporting.read.queries import agreement_status

AID = "0b7d6c1e-1111-4a2b-8c3d-000000000001"


def env(type_: str, version: int, data: dict, aggregate_type: str = "agreement") -> dict:
    return {"type": type_, "aggregate_type": aggregate_type, "aggregate_id": AID,
            "prison_id": "lapas-banyuwangi", "aggregate_version": version, "data": data}


SIGNED = env("AgreementSigned", 1, {
    "number": "PKS/01/2024", "title": "Rehabilitasi", "services": ["counseling"],
    "partner": {"id": "yayasan-gennesa", "name": "Yayasan Gennesa", "kind": "foundation"},
    "signed_on": "2024-01-10", "effective_from": "2024-02-01", "effective_until": "2025-01-31",
    "signatories": [], "renews": None, "committed_sessions_per_month": 4,
})


def signed_doc() -> dict:
    return evolve(None, SIGNED)


def test_signed_creates_the_row():
    doc = signed_doc()
    assert doc == {
        "agreement_id": AID, "prison_id": "lapas-banyuwangi", "partner_id": "yayasan-gennesa",
        "partner_name": "Yayasan Gennesa", "partner_kind": "foundation",
        "number": "PKS/01/2024", "title": "Rehabilitasi", "services": ["counseling"],
        "signed_on": date(2024, 1, 10), "effective_from": date(2024, 2, 1),
        "effective_until": date(2025, 1, 31), "committed_sessions_per_month": 4,
        "renews": None, "extensions": 0, "terminated_on": None, "expired_on": None,
        "version": 1,
    }


def test_extensions_are_counted_and_move_effective_until():
    doc = evolve(signed_doc(), env("AgreementExtended", 2, {
        "signed_on": "2025-01-05", "effective_until": "2026-01-31", "signatories": [],
        "note": ""}))
    doc = evolve(doc, env("AgreementExtended", 3, {
        "signed_on": "2026-01-05", "effective_until": "2027-01-31", "signatories": [],
        "note": ""}))
    assert doc["extensions"] == 2
    assert doc["effective_until"] == date(2027, 1, 31)
    assert doc["signed_on"] == date(2024, 1, 10)  # the agreement's own signing date stays
    assert doc["version"] == 3


def test_amendment_applies_only_the_given_changes():
    doc = evolve(signed_doc(), env("AgreementAmended", 2, {
        "signed_on": "2024-06-01", "note": "",
        "changes": {"services": ["counseling", "medical"], "committed_sessions_per_month": None},
    }))
    assert doc["services"] == ["counseling", "medical"]
    assert doc["committed_sessions_per_month"] is None
    assert doc["title"] == "Rehabilitasi"


def test_amendment_of_an_unknown_field_raises():
    with pytest.raises(ValueError, match="unknown amendment"):
        evolve(signed_doc(), env("AgreementAmended", 2, {"changes": {"partner": {}}}))


def test_terminated_and_expired_are_recorded():
    doc = evolve(signed_doc(), env("AgreementTerminated", 2,
                                   {"terminated_on": "2024-05-01", "reason": "x"}))
    assert doc["terminated_on"] == date(2024, 5, 1)
    doc = evolve(signed_doc(), env("AgreementExpired", 2, {"expired_on": "2025-02-01"}))
    assert doc["expired_on"] == date(2025, 2, 1)


def test_evolve_is_pure():
    before = signed_doc()
    snapshot = dict(before)
    evolve(before, env("AgreementExtended", 2, {"effective_until": "2026-01-31"}))
    assert before == snapshot


@pytest.mark.parametrize("doc, event, message", [
    (None, env("AgreementPainted", 1, {}), "unknown agreement event"),
    (None, env("AgreementExtended", 1, {"effective_until": "2026-01-01"}), "unknown agreement"),
    ("signed", env("AgreementSigned", 2, SIGNED["data"]), "already signed"),
    ("signed", env("AgreementExpired", 3, {"expired_on": "2025-02-01"}), "expected 2"),
])
def test_what_cannot_be_applied_raises(doc, event, message):
    with pytest.raises(ValueError, match=message):
        evolve(signed_doc() if doc == "signed" else doc, event)


def test_a_redelivered_event_changes_nothing():
    doc = signed_doc()
    assert evolve(doc, SIGNED) is doc


def test_key_is_the_prison_and_the_agreement_id_and_ignores_other_aggregates():
    projection = AgreementsProjection()
    assert projection.key(SIGNED) == ("lapas-banyuwangi", AID)
    assert projection.key({**SIGNED, "prison_id": "lapas-jember"}) == ("lapas-jember", AID)
    assert projection.key(env("ProgramLaunched", 1, {}, aggregate_type="program")) is None


UNTIL = date(2025, 1, 31)


@pytest.mark.parametrize("today, expected", [
    (date(2024, 6, 1), ("active", 244)),
    (date(2024, 12, 1), ("active", 61)),
    (date(2024, 12, 2), ("expiring", 60)),  # 60 days left is expiring
    (date(2025, 1, 31), ("expiring", 0)),  # the last day in force
    (date(2025, 2, 1), ("expired", 0)),
])
def test_status_by_date(today, expected):
    assert agreement_status(today, UNTIL) == expected


def test_expired_event_and_termination_win():
    assert agreement_status(date(2024, 6, 1), UNTIL, expired_on=date(2024, 6, 1)) == (
        "expired", 0)
    assert agreement_status(date(2024, 6, 1), UNTIL, terminated_on=date(2024, 5, 1),
                            expired_on=date(2024, 6, 1)) == ("terminated", 0)
    assert agreement_status(date(2026, 1, 1), UNTIL, terminated_on=date(2024, 5, 1)) == (
        "terminated", 0)
