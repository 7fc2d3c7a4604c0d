"""The urine_tests read model: the pure fold (one row per test, its violation's resolution on
it), and that the participants read model passes the urine events by."""

from datetime import date

import pytest

from services.reporting.projections import UrineTestsProjection
from services.reporting.projections import participants as people
from services.reporting.projections.urine import evolve
from tests.unit.test_reporting_evaluation_participants import PID, PROGRAM, REGISTERED, env

TEST = "7d3c2b1a-0f9e-4d8c-b7a6-958473625140"


def recorded(version, results=None, **over):
    results = results or {"methamphetamine": "positive", "cannabis": "negative"}
    return env("UrineTestRecorded", version, {
        "test_id": TEST, "tested_on": "2025-03-10", "kind": "scheduled", "point": "start",
        "panel": list(results), "results": results, "witnessed": True, "program_id": PROGRAM,
        **over})


def resolved(version, on="2025-03-12", outcome="sanctioned"):
    return env("ViolationResolved", version, {"test_id": TEST, "resolved_on": on,
                                              "outcome": outcome, "note": None})


def test_a_test_row_and_its_resolution():
    row = evolve(None, recorded(2))
    assert row == {
        "prison_id": "lapas-banyuwangi", "participant_id": PID, "test_id": TEST,
        "tested_on": date(2025, 3, 10), "kind": "scheduled", "point": "start",
        "program_id": PROGRAM, "results": {"methamphetamine": "positive", "cannabis": "negative"},
        "witnessed": True, "positive": True, "valid": True, "resolved_on": None, "outcome": None,
        "version": 2}
    done = evolve(row, resolved(3))
    assert (done["resolved_on"], done["outcome"], done["version"]) == (
        date(2025, 3, 12), "sanctioned", 3)
    assert evolve(done, resolved(3)) is done  # redelivered: already applied
    assert evolve(done, recorded(2)) is done


@pytest.mark.parametrize(("results", "positive", "valid"), [
    ({"cannabis": "negative"}, False, True),
    ({"cannabis": "invalid", "mdma": "invalid"}, False, False),
    ({"cannabis": "invalid", "mdma": "positive"}, True, True),
])
def test_positive_and_valid(results, positive, valid):
    row = evolve(None, recorded(2, results))
    assert (row["positive"], row["valid"]) == (positive, valid)


@pytest.mark.parametrize(("doc", "event", "fragment"), [
    ("row", recorded(5), "already recorded"),
    (None, resolved(3), "unknown test"),
    ("negative", resolved(3), "opened no violation"),
    ("resolved", resolved(4), "already resolved"),
    ("row", resolved(3, on="2025-03-09"), "before the test"),
    ("row", resolved(3, outcome="fined"), "unknown outcome"),
    (None, recorded(2, {"cannabis": "unclear"}), "unknown result"),
    (None, recorded(2, kind="surprise"), "unknown kind"),
    (None, recorded(2, panel=["mdma"]), "one per substance of the panel"),
])
def test_what_the_fold_refuses_is_parked(doc, event, fragment):
    docs = {None: None, "row": evolve(None, recorded(2)),
            "negative": evolve(None, recorded(2, {"cannabis": "negative"})),
            "resolved": evolve(evolve(None, recorded(2)), resolved(3))}
    with pytest.raises(ValueError, match=fragment):
        evolve(docs[doc], event)


def test_keys_and_the_participants_read_model_passes_urine_events_by():
    projection = UrineTestsProjection()
    assert projection.key(recorded(2)) == ("lapas-banyuwangi", PID, TEST)
    assert projection.key(resolved(3)) == ("lapas-banyuwangi", PID, TEST)
    assert projection.key(REGISTERED) is None
    person = people.evolve(None, REGISTERED)
    after = people.evolve(people.evolve(person, recorded(2)), resolved(3))
    assert after == {**person, "version": 3}
