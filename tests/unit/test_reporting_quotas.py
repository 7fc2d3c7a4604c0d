"""The quotas report's pure parts: the `prisons` fold, the prison rows, the roll-ups and what a
token sees of them (hand-computed)."""

import pytest

from services.reporting.http.access import Access
from services.reporting.http.quotas import visible
from services.reporting.projections.prisons import evolve_prison
from services.reporting.read.quotas import TRACKS, prison_rows, roll_up

X, Y, Z = "lapas-x", "lapas-y", "lapas-z"


def env(type_, data, version, prison=X):
    return {"type": type_, "schema_version": 1, "prison_id": prison, "aggregate_type": "prison",
            "aggregate_id": "a", "aggregate_version": version, "data": data}


def test_the_fold_keeps_the_latest_assignment_and_quota_per_year_and_track():
    doc = None
    for version, (type_, data) in enumerate([
            ("KanwilAssigned", {"kanwil_id": "k1", "kanwil_name": "K1",
                                "assigned_on": "2025-01-02"}),
            ("QuotaSet", {"year": 2025, "track": "social", "target": 5, "note": None}),
            ("QuotaSet", {"year": 2025, "track": "social", "target": 7, "note": "x"}),
            ("QuotaSet", {"year": 2024, "track": "social", "target": 9, "note": None}),
            ("KanwilAssigned", {"kanwil_id": "k2", "kanwil_name": "K2",
                                "assigned_on": "2025-02-01"})], 1):
        doc = evolve_prison(doc, env(type_, data, version))
    assert (doc["kanwil_id"], doc["version"]) == ("k2", 5)
    assert doc["quotas"] == [{"year": 2024, "track": "social", "target": 9},
                             {"year": 2025, "track": "social", "target": 7}]
    again = env("QuotaSet", {"year": 2025, "track": "social", "target": 1, "note": None}, 3)
    assert evolve_prison(doc, again) == doc  # a redelivery changes nothing
    with pytest.raises(ValueError):
        evolve_prison(doc, {**again, "type": "QuotaChanged", "aggregate_version": 6})


UNITS = {X: ("k1", [{"year": 2025, "track": "medical", "target": 10},
                    {"year": 2024, "track": "social", "target": 3}]),
         Y: ("k1", [{"year": 2025, "track": "medical", "target": 0}]),
         Z: ("k2", [])}
REALISED = {(X, "medical"): 4, (Y, "medical"): 2, ("lapas-w", "social"): 1}


def rows():
    return prison_rows(2025, TRACKS, UNITS, REALISED)


def test_prison_rows_cover_known_and_realising_prisons():
    found = {(r["prison_id"], r["track"]): r for r in rows()}
    assert len(found) == 4 * 3
    assert found[(X, "medical")] == {
        "year": 2025, "level": "prison", "kanwil_id": "k1", "prison_id": X, "track": "medical",
        "target": 10, "realised": 4, "realisation_rate": 0.4, "prisons_without_target": 0}
    assert (found[(X, "social")]["target"], found[(X, "social")]["prisons_without_target"]) == (
        None, 1)  # 2024's quota is another year's
    assert found[(Y, "medical")]["realisation_rate"] is None  # a target of 0
    assert found[("lapas-w", "social")]["kanwil_id"] is None


def test_kanwil_and_national_roll_ups_sum_targets_realised_and_gaps():
    medical = {r["kanwil_id"]: r for r in roll_up(rows(), "kanwil") if r["track"] == "medical"}
    assert list(medical) == ["k1", "k2", None]  # unassigned last
    assert (medical["k1"]["target"], medical["k1"]["realised"],
            medical["k1"]["realisation_rate"], medical["k1"]["prisons_without_target"]) == (
        10, 6, 0.6, 0)
    assert (medical["k2"]["target"], medical["k2"]["prisons_without_target"]) == (None, 1)
    national = roll_up(rows(), "national")
    assert [r["track"] for r in national] == list(TRACKS)
    assert (national[0]["target"], national[0]["realised"],
            national[0]["prisons_without_target"]) == (10, 6, 2)
    assert all(r["prison_id"] is None and r["kanwil_id"] is None for r in national)


def test_a_token_sees_a_kanwil_only_when_it_covers_all_its_prisons():
    def kanwils(access):
        return {r["kanwil_id"] for r in visible(rows(), "kanwil", access)}

    assert kanwils(Access()) == {"k1", "k2", None}
    assert kanwils(Access(frozenset({X, Y, Z}))) == {"k1", "k2"}
    assert kanwils(Access(frozenset({X, Z}))) == {"k2"}
    assert {r["prison_id"] for r in visible(rows(), "prison", Access(frozenset({X})))} == {X}
