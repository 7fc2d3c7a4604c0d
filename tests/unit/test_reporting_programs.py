"""The programs, memberships and sessions read models: the pure folds."""

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from services.reporting.projections import (
    MembershipsProjection,
    ProgramsProjection,
    SessionsProjection,
)
from services.reporting.projections.programs import evolve_membership, evolve_program
from services.reporting.projections.sessions import evolve as evolve_session
from shared.contract.events import upcast

PID = "5a1c0000-0000-4000-8000-000000000001"
SID = "5e550000-0000-4000-8000-000000000001"
P1, P2 = "9a000000-0000-4000-8000-000000000001", "9a000000-0000-4000-8000-000000000002"


def env(type_: str, version: int, data: dict, aggregate_type: str = "program",
        aggregate_id: str = PID) -> dict:
    return {"type": type_, "schema_version": 1, "prison_id": "lapas-banyuwangi",
            "aggregate_type": aggregate_type, "aggregate_id": aggregate_id,
            "aggregate_version": version, "occurred_at": "2025-01-06T00:00:00+07:00",
            "data": data}


# A v1 launch, as the runner delivers it: upcast to v2 (no track, no plan).
LAUNCHED = upcast(env("ProgramLaunched", 1, {
    "agreement_id": "0b7d6c1e-1111-4a2b-8c3d-000000000001", "name": "Rehabilitasi sosial",
    "cohort": "2025-A", "activities": ["counseling", "skills_training"],
    "starts_on": "2025-01-06", "ends_on": "2025-06-30", "capacity": 20}))


def enrolled(version, pid=P1, on="2025-01-06"):
    return env("ParticipantEnrolled", version, {"participant_id": pid, "enrolled_on": on})


def withdrawn(version, pid=P1, on="2025-02-01", reason="health"):
    return env("ParticipantWithdrawn", version,
               {"participant_id": pid, "withdrawn_on": on, "reason": reason, "note": "x"})


def completed(version, pid=P1, on="2025-06-30"):
    return env("ParticipantCompleted", version, {"participant_id": pid, "completed_on": on})


def test_launch_creates_the_program_row_and_other_events_move_its_version():
    doc = evolve_program(None, LAUNCHED)
    assert doc == {
        "program_id": PID, "prison_id": "lapas-banyuwangi",
        "agreement_id": "0b7d6c1e-1111-4a2b-8c3d-000000000001", "name": "Rehabilitasi sosial",
        "cohort": "2025-A", "capacity": 20, "activities": ["counseling", "skills_training"],
        "starts_on": date(2025, 1, 6), "ends_on": date(2025, 6, 30), "closed_on": None,
        "track": None, "planned_days": None, "phases": [], "version": 1,
    }
    doc = evolve_program(doc, enrolled(2))
    doc = evolve_program(doc, env("ProgramClosed", 3, {"closed_on": "2025-07-01"}))
    assert (doc["closed_on"], doc["version"]) == (date(2025, 7, 1), 3)
    assert evolve_program(doc, enrolled(2)) is doc  # a redelivery changes nothing


@pytest.mark.parametrize("doc, event", [
    (None, enrolled(2)),                                          # before the launch
    (None, env("ProgramRenamed", 2, {"name": "x"})),              # unknown type
    ("launched", LAUNCHED | {"aggregate_version": 2}),            # launched twice
    ("closed", env("ProgramClosed", 3, {"closed_on": "2025-07-02"})),
    ("launched", enrolled(2) | {"schema_version": 2}),            # a version we cannot read
])
def test_impossible_program_events_raise(doc, event):
    state = {"launched": evolve_program(None, LAUNCHED)}
    state["closed"] = evolve_program(state["launched"],
                                     env("ProgramClosed", 2, {"closed_on": "2025-07-01"}))
    with pytest.raises(ValueError):
        evolve_program(state.get(doc), event)


def test_enrol_withdraw_re_enrol_then_complete_keeps_every_span():
    doc = evolve_membership(None, enrolled(2))
    assert doc == {
        "prison_id": "lapas-banyuwangi", "program_id": PID, "participant_id": P1,
        "first_enrolled_on": date(2025, 1, 6),
        "enrolled_on": date(2025, 1, 6), "status": "active", "left_on": None,
        "withdrawal_reason": None, "version": 2,
        "spans": [{"enrolled_on": "2025-01-06", "ended_on": None, "outcome": None,
                   "reason": None}], "advanced_to": None, "advanced_on": None,
    }
    doc = evolve_membership(doc, withdrawn(5))
    assert (doc["status"], doc["left_on"], doc["withdrawal_reason"]) == (
        "withdrawn", date(2025, 2, 1), "health")
    doc = evolve_membership(doc, enrolled(9, on="2025-03-01"))
    assert (doc["status"], doc["left_on"], doc["withdrawal_reason"]) == ("active", None, None)
    assert (doc["first_enrolled_on"], doc["enrolled_on"]) == (date(2025, 1, 6), date(2025, 3, 1))
    doc = evolve_membership(doc, completed(12))
    assert (doc["status"], doc["left_on"], doc["withdrawal_reason"], doc["version"]) == (
        "completed", date(2025, 6, 30), None, 12)
    assert doc["spans"] == [
        {"enrolled_on": "2025-01-06", "ended_on": "2025-02-01", "outcome": "withdrawn",
         "reason": "health"},
        {"enrolled_on": "2025-03-01", "ended_on": "2025-06-30", "outcome": "completed",
         "reason": None},
    ]
    assert evolve_membership(doc, withdrawn(5)) is doc  # at or below version: a redelivery


@pytest.mark.parametrize("doc, event", [
    (None, withdrawn(3)),            # never enrolled
    (None, completed(3)),
    ("active", enrolled(4)),         # already active
    ("withdrawn", withdrawn(5)),     # not active any more
    ("withdrawn", completed(5)),
    (None, env("ProgramClosed", 3, {"closed_on": "2025-07-01"})),  # not about a participant
])
def test_impossible_membership_events_raise(doc, event):
    active = evolve_membership(None, enrolled(2))
    state = {"active": active, "withdrawn": evolve_membership(active, withdrawn(3))}
    with pytest.raises(ValueError):
        evolve_membership(state.get(doc), event)


def test_keys_route_program_events_to_the_right_documents():
    programs, members, sessions = (ProgramsProjection(), MembershipsProjection(),
                                   SessionsProjection())
    here = "lapas-banyuwangi"
    assert programs.key(LAUNCHED) == (here, PID) and members.key(LAUNCHED) is None
    assert programs.key(withdrawn(2)) == (here, PID)
    assert members.key(withdrawn(2)) == (here, PID, P1)
    elsewhere = {**withdrawn(2), "prison_id": "lapas-jember"}  # ids are unique per prison only
    assert members.key(elsewhere) == ("lapas-jember", PID, P1)
    renamed = env("ProgramRenamed", 2, {})
    assert programs.key(renamed) == (here, PID) and members.key(renamed) is None  # parked once
    assert sessions.key(LAUNCHED) is None
    signed = env("AgreementSigned", 1, {}, aggregate_type="agreement")
    assert programs.key(signed) is members.key(signed) is sessions.key(signed) is None


def session(type_: str, version: int, data: dict) -> dict:
    return env(type_, version, data, aggregate_type="session", aggregate_id=SID)


HELD_DATA = {
    "program_id": PID, "held_at": "2025-01-06T20:00:00-05:00", "duration_minutes": 90,
    "activity": "counseling", "topic": "Relapse", "facilitators": [],
    "attendance": [{"participant_id": P1, "status": "absent"},
                   {"participant_id": P2, "status": "excused"}],
}
SCHEDULED = session("SessionScheduled", 1, {
    "program_id": PID, "scheduled_for": "2025-01-07T09:00:00+07:00", "activity": "counseling",
    "topic": "Plan", "facilitators": []})


def test_held_session_keeps_its_marks_and_its_wib_day():
    doc = evolve_session(None, session("SessionHeld", 1, HELD_DATA))
    assert doc == {
        "session_id": SID, "prison_id": "lapas-banyuwangi", "program_id": PID,
        "activity": "counseling", "topic": "Relapse", "status": "held", "scheduled_for": None,
        "held_at": datetime(2025, 1, 7, 1, 0, tzinfo=UTC), "held_on": date(2025, 1, 7),
        "duration_minutes": 90, "version": 1, "marks": {P1: "absent", P2: "excused"},
        "corrected": [],
    }
    assert doc["held_at"].utcoffset() == timedelta(hours=-5)


def test_scheduled_then_held_keeps_the_plan_and_takes_the_held_facts():
    doc = evolve_session(None, SCHEDULED)
    assert (doc["status"], doc["held_at"], doc["marks"]) == ("scheduled", None, {})
    doc = evolve_session(doc, session("SessionHeld", 2, {**HELD_DATA, "topic": "Other"}))
    assert (doc["status"], doc["topic"], doc["version"]) == ("held", "Other", 2)
    assert doc["scheduled_for"] == datetime(2025, 1, 7, 9, tzinfo=timezone(timedelta(hours=7)))


def test_correction_flips_one_mark_and_says_so():
    doc = evolve_session(None, session("SessionHeld", 1, HELD_DATA))
    corrected = evolve_session(doc, session("AttendanceCorrected", 2, {
        "participant_id": P1, "status": "present", "reason": "typo"}))
    assert (corrected["marks"], corrected["corrected"]) == ({P1: "present", P2: "excused"}, [P1])
    again = evolve_session(corrected, session("AttendanceCorrected", 3, {
        "participant_id": P1, "status": "late", "reason": "typo again"}))
    assert (again["marks"][P1], again["corrected"]) == ("late", [P1])
    assert (doc["marks"][P1], doc["corrected"]) == ("absent", [])  # pure: no mutation
    assert evolve_session(corrected, session("SessionHeld", 1, HELD_DATA)) is corrected


def test_cancelled_session():
    doc = evolve_session(evolve_session(None, SCHEDULED),
                         session("SessionCancelled", 2, {"reason": "flood"}))
    assert (doc["status"], doc["version"], doc["marks"]) == ("cancelled", 2, {})


HELD = session("SessionHeld", 2, HELD_DATA)
CANCELLED = session("SessionCancelled", 2, {"reason": "x"})


@pytest.mark.parametrize("doc, event", [
    (None, session("SessionPostponed", 1, {})),                      # unknown type
    (None, CANCELLED),                                               # missing session
    (None, session("AttendanceCorrected", 2, {"participant_id": P1, "status": "late",
                                              "reason": "x"})),
    ("scheduled", SCHEDULED | {"aggregate_version": 2}),             # scheduled twice
    ("held", HELD | {"aggregate_version": 3}),                       # held twice
    ("cancelled", HELD | {"aggregate_version": 3}),                  # held after cancelling
    ("held", CANCELLED | {"aggregate_version": 3}),                  # cancelled after holding
    ("held", session("AttendanceCorrected", 3, {"participant_id": "stranger",
                                                "status": "late", "reason": "x"})),
    ("held", session("AttendanceCorrected", 3, {"participant_id": P1, "status": "asleep",
                                                "reason": "x"})),
    ("scheduled", session("AttendanceCorrected", 2, {"participant_id": P1, "status": "late",
                                                     "reason": "x"})),
    (None, session("SessionHeld", 1, {**HELD_DATA, "attendance": HELD_DATA["attendance"] * 2})),
    (None, session("SessionHeld", 1, {**HELD_DATA, "held_at": "2025-01-06T09:00:00"})),
    (None, session("SessionHeld", 1, {**HELD_DATA, "duration_minutes": 0})),
    (None, session("SessionHeld", 1, {**HELD_DATA, "attendance": [
        {"participant_id": P1, "status": "asleep"}]})),
])
def test_impossible_session_events_raise(doc, event):
    scheduled = evolve_session(None, SCHEDULED)
    state = {"scheduled": scheduled, "held": evolve_session(scheduled, HELD),
             "cancelled": evolve_session(scheduled, CANCELLED)}
    with pytest.raises(ValueError):
        evolve_session(state.get(doc), event)
