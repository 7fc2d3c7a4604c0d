"""The participants read model (participants, releases, assessments): the pure fold."""

from datetime import date

import pytest

from services.reporting.projections import ParticipantsProjection
from services.reporting.projections.participants import (
    NEW_ASSESSMENTS,
    NEW_RELEASES,
    NEW_STAY,
    evolve,
)
from shared.contract.events import current_version

PID = "9a000000-0000-4000-8000-000000000001"
PROGRAM = "5a1c0000-0000-4000-8000-000000000001"


def env(type_: str, version: int, data: dict, aggregate_type: str = "participant",
        schema_version: int | None = None) -> dict:
    """An envelope as the projection meets it: upcast to the type's current schema_version."""
    return {"type": type_, "schema_version": schema_version or current_version(type_),
            "prison_id": "lapas-banyuwangi",
            "aggregate_type": aggregate_type, "aggregate_id": PID, "aggregate_version": version,
            "occurred_at": "2025-01-06T00:00:00+07:00", "data": data}


REGISTERED = env("ParticipantRegistered", 1,
                 {"case_type": "narcotics_user", "admitted_on": "2024-03-01"})


def released(version, on="2025-07-15", release_type="parole"):
    return env("ParticipantReleased", version, {"released_on": on, "release_type": release_type})


def readmitted(version, on="2025-11-10"):
    return env("ParticipantReadmitted", version, {"readmitted_on": on})


def assessed(version, score=20, **over):
    return env("AssessmentRecorded", version, {
        "instrument": "ASSIST", "phase": "intake", "score": score, "assessed_on": "2025-01-07",
        "program_id": PROGRAM, "assessor_role": None, **over})


def fold(*events):
    doc = None
    for event in events:
        doc = evolve(doc, event)
    return doc


def test_registration_creates_the_row():
    assert evolve(None, REGISTERED) == {
        "participant_id": PID, "prison_id": "lapas-banyuwangi", "case_type": "narcotics_user",
        "admitted_on": date(2024, 3, 1), "in_custody": True, "releases": 0,
        "released_on": None, "release_type": None, "custody_since": date(2024, 3, 1),
        "version": 1, "conditional": None, "to_prison_id": None, "died_on": None,
        NEW_RELEASES: {}, NEW_ASSESSMENTS: [], NEW_STAY: True}


def test_every_release_and_readmission_is_kept_as_its_own_row():
    doc = fold(REGISTERED, released(2), readmitted(3),
               released(4, "2026-02-02", "conditional_leave"))
    row = {"participant_id": PID, "prison_id": "lapas-banyuwangi", "conditional": None,
           "to_prison_id": None, "revoked_on": None}
    assert doc[NEW_RELEASES] == {
        1: {**row, "n": 1, "released_on": date(2025, 7, 15), "release_type": "parole",
            "readmitted_on": date(2025, 11, 10)},
        2: {**row, "n": 2, "released_on": date(2026, 2, 2), "release_type": "conditional_leave",
            "readmitted_on": None}}
    assert (doc["in_custody"], doc["releases"], doc["custody_since"], doc["version"]) == (
        False, 2, date(2025, 11, 10), 4)


def test_a_readmission_in_a_later_batch_completes_the_release_row():
    doc = fold(REGISTERED, released(2))
    loaded = {**doc, NEW_RELEASES: {}, NEW_ASSESSMENTS: [], NEW_STAY: False}  # as `load` gives
    assert evolve(loaded, readmitted(3))[NEW_RELEASES] == {1: {
        "participant_id": PID, "n": 1, "prison_id": "lapas-banyuwangi",
        "released_on": date(2025, 7, 15), "release_type": "parole",
        "readmitted_on": date(2025, 11, 10), "conditional": None, "to_prison_id": None,
        "revoked_on": None}}


def test_assessments_are_rows_ordered_by_version():
    doc = fold(REGISTERED, assessed(2), assessed(3, 12.5, phase="exit", program_id=None,
                                                  assessor_role="counselor"))
    assert doc[NEW_ASSESSMENTS] == [
        {"participant_id": PID, "version": 2, "prison_id": "lapas-banyuwangi",
         "program_id": PROGRAM, "instrument": "ASSIST", "phase": "intake", "score": 20.0,
         "assessed_on": date(2025, 1, 7), "assessor_role": None},
        {"participant_id": PID, "version": 3, "prison_id": "lapas-banyuwangi",
         "program_id": None, "instrument": "ASSIST", "phase": "exit", "score": 12.5,
         "assessed_on": date(2025, 1, 7), "assessor_role": "counselor"}]


def test_a_redelivered_event_changes_nothing_and_evolve_is_pure():
    doc = fold(REGISTERED, released(2))
    assert evolve(doc, released(2)) is doc
    snapshot = {**doc, NEW_RELEASES: dict(doc[NEW_RELEASES])}
    evolve(doc, readmitted(3))
    assert doc == snapshot


@pytest.mark.parametrize("events, message", [
    ([env("ParticipantRenamed", 1, {})], "unknown participant event"),
    ([env("ParticipantRegistered", 1, REGISTERED["data"], schema_version=2)], "schema_version"),
    ([released(1)], "unknown participant"),
    ([REGISTERED, env("ParticipantRegistered", 2, REGISTERED["data"])], "already registered"),
    ([REGISTERED, readmitted(2)], "in custody"),
    ([REGISTERED, released(2), released(3)], "already released"),
    ([REGISTERED, released(2, "2024-01-01")], "before custody"),
    ([REGISTERED, released(2), readmitted(3, "2025-07-14")], "before the release"),
    ([REGISTERED, released(2, release_type="escape")], "unknown release_type"),
    ([REGISTERED, assessed(2, instrument="IQ")], "unknown instrument"),
    ([REGISTERED, assessed(2, phase="pre")], "unknown phase"),
    ([REGISTERED, assessed(2, score=True)], "not a finite number"),
    ([REGISTERED, assessed(2, score="12")], "not a finite number"),
    ([REGISTERED, assessed(2, score=float("nan"))], "not a finite number"),
    ([REGISTERED, assessed(2, program_id=7)], "not a string"),
    ([REGISTERED, assessed(2, assessor_role=1)], "not a string"),
    ([REGISTERED, env("AssessmentRecorded", 2, {"instrument": "ASSIST"}, schema_version=99)],
     "schema_version"),
    ([env("ParticipantRegistered", 1, {"case_type": "theft", "admitted_on": "2024-03-01"})],
     "unknown case_type"),
])
def test_what_cannot_be_applied_raises(events, message):
    *before, last = events
    doc = fold(*before)
    with pytest.raises((ValueError, KeyError, TypeError), match=message):
        evolve(doc, last)


def test_key_is_the_prison_and_the_participant_and_ignores_other_aggregates():
    projection = ParticipantsProjection()
    assert projection.key(REGISTERED) == ("lapas-banyuwangi", PID)
    assert projection.key({**REGISTERED, "prison_id": "lapas-jember"}) == ("lapas-jember", PID)
    assert projection.key(env("ParticipantEnrolled", 2, {}, aggregate_type="program")) is None
