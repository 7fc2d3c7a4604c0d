"""The contract's event schemas (shared/contract): what `validate` accepts and what it reports.

Every event the services really write is validated in test_audit_demo.py; here, one valid
envelope per aggregate and each way a stored envelope can be wrong.
"""

import pytest

from shared.contract.events import EVENT_AGGREGATES, EVENT_SCHEMAS, latest_versions
from shared.contract.registry import register
from shared.contract.validation import validate
from shared.envelope import CommandMeta, NewEvent, StreamId, seal

PRISON = "lapas-banyuwangi"
AGREEMENT = "5b2f3c8e-1a2b-4c3d-8e9f-0a1b2c3d4e5f"
SESSION = "a7c3e9f1-4b2d-4a6e-8f0c-3d5b7a9e1c24"
PROGRAM = "5b0e7c1a-2d4f-4e8a-9c3b-1f6a7d2e8b40"
PARTICIPANT = "0b1c2d3e-0000-4000-8000-00000000000a"
COMMAND = "1f0c7a52-8d3e-4b7a-9a51-2b1e0b0d6e01"
SIGNED = {
    "number": "PKS/LPB/2025/II/022", "title": "Rehabilitasi sosial",
    "partner": {"id": "ipwl-lrppn-bi-banyuwangi", "name": "IPWL LRPPN-BI", "kind": "ipwl"},
    "services": ["mental_guidance", "skills_training"], "signed_on": "2025-02-22",
    "effective_from": "2025-02-22", "effective_until": "2027-02-21",
    "signatories": [{"name": "Mochamad Mukaffi", "title": "Kepala Lapas", "party": "prison"},
                    {"name": "Mohammad Hiksan", "title": "Ketua", "party": "partner"}],
    "renews": None, "committed_sessions_per_month": 4}
HELD = {
    "program_id": PROGRAM, "held_at": "2025-03-03T09:00:00+07:00", "duration_minutes": 90,
    "activity": "counseling", "topic": "Mengenali pemicu",
    "facilitators": [{"name": "Hiksan", "organization": "IPWL", "role": "instructor"}],
    "attendance": [{"participant_id": PARTICIPANT, "status": "present"}]}


def envelope(aggregate_type=None, aggregate_id=AGREEMENT, kind="AgreementSigned", data=None,
             version=1, **over):
    aggregate_type = aggregate_type or EVENT_AGGREGATES.get(kind, "agreement")
    sealed = seal(StreamId(PRISON, aggregate_type, aggregate_id),
                  NewEvent(kind, SIGNED if data is None else data, "2025-02-22T00:00:00+07:00",
                           version),
                  CommandMeta(COMMAND, "officer:lapas-banyuwangi:rina", COMMAND), index=0,
                  version=1, prev_hash="", recorded_at="2025-02-22T03:00:00.123456+00:00")
    return {**sealed, **over}


def test_valid_envelopes_of_each_aggregate():
    assert validate(envelope()) == []
    assert validate(envelope("session", SESSION, "SessionHeld", HELD)) == []
    assert validate(envelope("participant", PARTICIPANT, "ParticipantRegistered",
                             {"case_type": "narcotics_user", "admitted_on": "2024-06-10"})) == []
    assert validate(envelope("program", PROGRAM, "ProgramClosed",
                             {"closed_on": "2025-12-08"})) == []
    # A UTC instant may end in Z (pydantic's JSON form of an aware datetime).
    assert validate(envelope("session", SESSION, "SessionHeld",
                             {**HELD, "held_at": "2025-03-03T02:00:00Z"})) == []


@pytest.mark.parametrize(("over", "problem"), [
    ({"schema_version": "1"}, "schema_version: Input should be a valid integer"),
    ({"schema_version": True}, "schema_version: Input should be a valid integer"),
    ({"aggregate_version": 0}, "aggregate_version: Input should be greater than or equal to 1"),
    ({"prison_id": "Lapas Banyuwangi"}, "prison_id: String should match pattern"),
    ({"aggregate_id": AGREEMENT.upper()}, "aggregate_id: String should match pattern"),
    ({"occurred_at": "2025-02-22T00:00:00"}, "occurred_at: Value error, must be an RFC 3339"),
    ({"recorded_at": 1740193200}, "recorded_at: Value error, must be an RFC 3339"),
    ({"causation_id": "not-a-uuid"}, "causation_id: String should match pattern"),
    ({"prev_hash": "ABC"}, "prev_hash: String should match pattern"),
    ({"hash": None}, "hash: Input should be a valid string"),
    ({"data": []}, "data: Input should be a valid dictionary"),
    ({"extra": 1}, "extra: Extra inputs are not permitted"),
])
def test_envelope_field_problems(over, problem):
    problems = validate(envelope(**over))
    assert any(p.startswith(problem) for p in problems), problems


def test_a_missing_envelope_field_and_a_body_that_is_not_an_object():
    env = envelope()
    del env["actor"]
    assert validate(env) == ["actor: Field required"]
    assert validate([1, 2]) == ["envelope: must be a JSON object"]


@pytest.mark.parametrize(("change", "problem"), [
    ({"partner": {**SIGNED["partner"], "kind": "ngo"}}, "data.partner.kind: Input should be"),
    ({"services": []}, "data.services: List should have at least 1 item"),
    ({"services": ["counseling", "counseling"]}, "data.services: Value error, must not repeat"),
    ({"services": ["yoga"]}, "data.services.0: Input should be"),
    ({"signed_on": "2025-2-22"}, "data.signed_on: Value error, must be an ISO date"),
    ({"signed_on": "2025-02-30"}, "data.signed_on: Input should be a valid date"),
    ({"effective_until": "2025-02-22"}, "data: Value error, effective_until must be after"),
    ({"signatories": SIGNED["signatories"][:1]}, "data: Value error, signatories must include"),
    ({"committed_sessions_per_month": "4"}, "data.committed_sessions_per_month: Input should"),
    ({"title": ""}, "data.title: String should have at least 1 character"),
    ({"nik": "3510xxxxxxxxxxxx"}, "data.nik: Extra inputs are not permitted"),
])
def test_data_problems(change, problem):
    data = {**SIGNED, **change}
    problems = validate(envelope(data=data))
    assert any(p.startswith(problem) for p in problems), problems
    assert not any("3510" in p for p in problems)  # values are never echoed


def test_required_nullable_fields_must_be_present():
    data = {k: v for k, v in SIGNED.items() if k != "renews"}
    assert validate(envelope(data=data)) == ["data.renews: Field required"]


def test_attendance_lists_each_participant_once():
    twice = {**HELD, "attendance": HELD["attendance"] * 2}
    assert validate(envelope("session", SESSION, "SessionHeld", twice)) == [
        "data.attendance: Value error, must not repeat a value"]


def test_amendment_changes_are_a_non_empty_subset():
    def amended(changes):
        return envelope(kind="AgreementAmended", data={
            "signed_on": "2025-06-02", "changes": changes, "note": None})

    assert validate(amended({"committed_sessions_per_month": None})) == []
    assert validate(amended({})) == [
        "data.changes: Value error, must change at least one of title, services, "
        "committed_sessions_per_month"]
    assert validate(amended({"title": None})) == [
        "data.changes.title: Value error, must not be null"]


def test_type_must_be_known_and_of_its_aggregate_and_version():
    assert validate(envelope(kind="Counted", data={"n": 1})) == [
        "type: unknown event type 'Counted'"]
    assert validate(envelope("agreement", AGREEMENT, "SessionHeld", HELD)) == [
        "type: SessionHeld is an event of the session aggregate"]
    odd = validate(envelope(kind="nik 3510", data={}))
    assert odd[-1] == "type: unknown event type" and not any("3510" in p for p in odd)
    assert validate(envelope(version=7)) == [
        "schema_version: no schema for AgreementSigned version 7"]


def test_assessment_versions_are_checked_as_stored():
    v1 = {"instrument": "ASSIST", "phase": "intake", "score": 27, "assessed_on": "2025-07-15",
          "program_id": None}
    v2 = {**v1, "assessor_role": "counselor"}

    def assessed(data, version):
        return envelope("participant", PARTICIPANT, "AssessmentRecorded", data, version)

    assert validate(assessed(v1, 1)) == [] and validate(assessed(v2, 2)) == []
    assert validate(assessed(v2, 1)) == ["data.assessor_role: Extra inputs are not permitted"]
    assert validate(assessed(v1, 2)) == ["data.assessor_role: Field required"]
    assert validate(assessed({**v1, "score": True}, 1)) == [
        "data.score: Input should be a valid number"]
    assert latest_versions()["AssessmentRecorded"] == 2


def test_the_registry_refuses_a_second_model_or_another_aggregate():
    model = EVENT_SCHEMAS[("AgreementExpired", 1)]
    with pytest.raises(ValueError, match="already registered"):
        register("agreement", "AgreementExpired", 1, model)
    with pytest.raises(ValueError, match="already belongs"):
        register("session", "AgreementExpired", 9, model)
