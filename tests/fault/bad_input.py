"""Valid command bodies, one per command of the contract, and the ways to break them: what
tests/fault/test_bad_input.py sends to the running services."""

from __future__ import annotations

import uuid

import orjson
from hypothesis import strategies as st

from services.agreements.handlers import COMMANDS as AGREEMENTS
from services.attendance.handlers import COMMANDS as ATTENDANCE
from services.programs.handlers import COMMANDS as PROGRAMS

SERVICE = {**{n: "agreements" for n in AGREEMENTS}, **{n: "programs" for n in PROGRAMS},
           **{n: "attendance" for n in ATTENDANCE}}
MODELS = {**AGREEMENTS, **PROGRAMS, **ATTENDANCE}
U = "0c5e3c1e-6a43-4a5b-9b59-6f1f0d2c1a01"
PRISON = "lapas-fault"  # every case's prison but `bad_prison`'s
PEOPLE = [{"name": "A", "title": "Kalapas", "party": "prison"},
          {"name": "B", "title": "Ketua", "party": "partner"}]
TUTOR = {"name": "Siti", "organization": "Yayasan", "role": "counselor"}
_SESSION = {"session_id": U, "program_id": U, "activity": "counseling", "topic": "Pemicu"}
VALID = {
    "SignAgreement": {"agreement_id": U, "number": "PKS/1", "title": "Rehabilitasi",
                      "partner": {"id": "yayasan-x", "name": "Yayasan X", "kind": "foundation"},
                      "services": ["counseling"], "signed_on": "2025-01-15",
                      "effective_from": "2025-01-15", "effective_until": "2030-12-31",
                      "signatories": PEOPLE, "renews": None, "committed_sessions_per_month": 4},
    "ExtendAgreement": {"agreement_id": U, "signed_on": "2025-02-01",
                        "effective_until": "2031-12-31", "signatories": PEOPLE, "note": "x"},
    "AmendAgreement": {"agreement_id": U, "signed_on": "2025-02-01",
                       "changes": {"title": "Baru"}, "note": None},
    "TerminateAgreement": {"agreement_id": U, "terminated_on": "2025-02-01", "reason": "x"},
    "LaunchProgram": {"program_id": U, "agreement_id": U, "name": "P", "cohort": "I",
                      "activities": ["counseling"], "starts_on": "2025-03-01",
                      "ends_on": "2025-12-31", "capacity": 30},
    "EnrollParticipant": {"program_id": U, "participant_id": U, "enrolled_on": "2025-03-03"},
    "WithdrawParticipant": {"program_id": U, "participant_id": U, "withdrawn_on": "2025-04-01",
                            "reason": "transferred", "note": None},
    "CompleteParticipant": {"program_id": U, "participant_id": U, "completed_on": "2025-04-01"},
    "CloseProgram": {"program_id": U, "closed_on": "2025-12-31"},
    "RegisterParticipant": {"participant_id": U, "case_type": "narcotics_user",
                            "admitted_on": "2025-01-10"},
    "RecordAssessment": {"participant_id": U, "instrument": "ASSIST", "phase": "intake",
                         "score": 12.5, "assessed_on": "2025-03-05", "program_id": None},
    "RecordRelease": {"participant_id": U, "released_on": "2025-06-01",
                      "release_type": "parole"},
    "RecordReadmission": {"participant_id": U, "readmitted_on": "2025-09-01"},
    "RecordUrineTest": {"participant_id": U, "test_id": U, "tested_on": "2025-03-10",
                        "kind": "random", "point": None, "panel": ["methamphetamine"],
                        "results": {"methamphetamine": "positive"}, "witnessed": True,
                        "program_id": None},
    "ResolveViolation": {"participant_id": U, "test_id": U, "resolved_on": "2025-03-12",
                         "outcome": "sanctioned", "note": None},
    "RecordScreening": {"participant_id": U, "screened_on": "2025-01-12", "instrument": "ASSIST",
                        "score": 30, "risk": "high"},
    "ReferForAssessment": {"participant_id": U, "referred_on": "2025-01-13",
                           "team": [{"role": "doctor"}]},
    "ConcludeAssessment": {"participant_id": U, "concluded_on": "2025-01-20", "instrument": "ASI",
                           "recommended_track": "social", "recommended_setting": "inside",
                           "note": None},
    "DecidePlacement": {"participant_id": U, "decided_on": "2025-01-27", "decree_number": "SK-1",
                        "track": "social", "setting": "inside", "program_id": None},
    "WaitlistParticipant": {"participant_id": U, "waitlisted_on": "2025-01-22",
                            "track": "social"},
    "RecordRefusal": {"participant_id": U, "refused_on": "2025-01-22", "reason": "x"},
    "RecordIneligibility": {"participant_id": U, "decided_on": "2025-01-22", "reason": "health",
                            "note": None},
    "ScheduleSession": {**_SESSION, "scheduled_for": "2025-03-10T09:00:00+07:00",
                        "facilitators": []},
    "HoldSession": {**_SESSION, "held_at": "2025-03-10T09:00:00+07:00", "duration_minutes": 90,
                    "facilitators": [TUTOR], "attendance": [{"participant_id": U,
                                                             "status": "present"}],
                    "makeup_for": None},
    "CorrectAttendance": {"session_id": U, "participant_id": U, "status": "late",
                          "reason": "salah catat", "compliance": None},
    "CancelSession": {"session_id": U, "reason": "hujan"},
    "RecordSessionNotHeld": {"session_id": U, "program_id": U,
                             "planned_for": "2025-03-10T09:00:00+07:00",
                             "reason": "security_lockdown", "note": None},
}
NUMERIC = {"capacity", "duration_minutes", "score", "committed_sessions_per_month"}
RAW = "\x00RAW\x00"  # a placeholder string replaced by raw (non-JSON-serialisable) bytes
# Raw JSON texts no field accepts: not JSON at all (NaN, ∞, bad UTF-8), out of range, too deep.
RAW_VALUES = st.sampled_from([
    b"NaN", b"Infinity", b"-Infinity", b"1e400", b"-1e400", b"18446744073709551616",
    b"-99999999999999999999999", b'"\xff\xfe\xfd"', b'"\xc3\x28"', b'"\xed\xa0\x80"',
]) | st.integers(1_100, 3_000).map(lambda d: b"[" * d + b"]" * d)
# Values of the wrong JSON type for any field (strings only for the numeric ones).
WRONG = st.one_of(st.booleans(), st.lists(st.integers(0, 9), min_size=1, max_size=3),
                  st.dictionaries(st.text(max_size=5), st.integers(0, 9), max_size=2),
                  st.just({"$gt": ""}))
INT64 = st.integers(-(2**63), 2**63 - 1)
WRONG_FOR_TEXT = WRONG | INT64 | st.floats(allow_nan=False, allow_infinity=False)
WRONG_FOR_NUMBER = WRONG | st.sampled_from(["1", "30", "", "1e3", "NaN"])
# A bool field takes any wrong type but a bool; a substance-keyed object any but an object of
# substances (`{}` is well-formed: only its match with the panel is a rule).
WRONG_FOR_BOOL = st.one_of(WRONG.filter(lambda v: not isinstance(v, bool)), INT64,
                           st.sampled_from(["true", "", "ya"]))
WRONG_FOR_RESULTS = WRONG.filter(lambda v: v != {})
WRONG_BY_FIELD = {"witnessed": WRONG_FOR_BOOL, "results": WRONG_FOR_RESULTS}
SUBJECT_TOKENS = st.sampled_from(["*", ">", "a.b", f"{U}.x", "*.>", U.upper(), f" {U}",
                                  f"{U}\n", "", "..", "$JS.API", U[:-1] + "g"])
BAD_PRISONS = st.sampled_from(["*", "LAPAS-X", "lapas_x", "-lapas", "l", "x" * 70, "lapas%2A"])


def _aggregate_key(name: str) -> str:
    return next(k for k in ("session_id", "agreement_id", "program_id", "participant_id")
                if k in VALID[name] and (k != "program_id" or name in PROGRAMS))


@st.composite
def bad_request(draw) -> tuple[str, str, str, bytes]:
    """(kind, command, prison, body) of one broken command."""
    name = draw(st.sampled_from(sorted(VALID)))
    data = dict(VALID[name])
    body = {"command_id": str(uuid.uuid4()), "actor": "officer:x:y", "expected_version": None,
            "data": data}
    prison = PRISON
    kind = draw(st.sampled_from(["wrong_type", "unknown_field", "huge_list", "deep_nesting",
                                 "raw_value", "subject_token", "bad_prison", "top_level"]))
    field = draw(st.sampled_from(sorted(data)))
    raw = b""
    if kind == "wrong_type":
        wrong = WRONG_FOR_NUMBER if field in NUMERIC else WRONG_FOR_TEXT
        data[field] = draw(WRONG_BY_FIELD.get(field, wrong))
    elif kind == "unknown_field":
        extra = draw(st.sampled_from(["nik", "nama", "register_number", "Agreement_id", "x"]))
        data[extra] = draw(st.text(max_size=20))
    elif kind == "huge_list":
        item = draw(st.sampled_from([1, "counseling", {"participant_id": U, "status": "late"}]))
        data[field] = [item] * draw(st.integers(10_001, 12_000))
    elif kind == "raw_value":
        data[field], raw = RAW, draw(RAW_VALUES)
    elif kind == "deep_nesting":  # past orjson's 1,024 levels, and within them
        depth = draw(st.integers(50, 3_000))
        data[field], raw = RAW, b'{"a":' * depth + b"1" + b"}" * depth
    elif kind == "subject_token":
        data[_aggregate_key(name)] = draw(SUBJECT_TOKENS)
    elif kind == "bad_prison":
        prison = draw(BAD_PRISONS)
    else:
        key, value = draw(st.sampled_from([
            ("command_id", 12), ("command_id", "not-a-uuid"), ("actor", ["x"]), ("actor", ""),
            ("data", []), ("data", "x"), ("data", None), ("expected_version", "1"),
            ("expected_version", True), ("expected_version", 1.5), ("trace", "x")]))
        body[key] = value
    encoded = orjson.dumps(body)
    if raw:
        encoded = encoded.replace(orjson.dumps(RAW), raw)
    return kind, name, prison, encoded
