"""`/evaluation`, `/regional` and `?as_of=` on every report, over the app's hand-written fakes."""

import csv
import io
from datetime import date

import pytest

from services.reporting.http.models import EVALUATION_COLUMNS, REGIONAL_COLUMNS
from services.reporting.read.asof import asof_schema
from services.reporting.read.figures import BEGINNING, Window
from shared.store import StoreUnavailable
from tests.unit.test_reporting_app import AID, PROGRAM_ID, FakeDeps, assert_error, client

TODAY = date(2026, 4, 1)  # the fakes' clock, 2026-03-31 18:00 UTC, in WIB
INDICATORS = {
    "enrolled": 6, "active": 1, "completed": 3, "withdrawn": 2, "completion_rate": 0.5,
    "sessions_held": 4, "hours_by_activity": {"counseling": 4.0, "skills_training": 2.0},
    "attendance_rate": 0.8, "score_change": {"ASSIST": -7.333333333333333, "URICA": 3.0},
    "score_excluded": {"ASSIST": 1}, "released": 4, "released_6m": 4, "readmitted_6m": 1,
    "released_12m": 3, "readmitted_12m": 1, "released_24m": 0, "readmitted_24m": 0}
# Appended after the v1 fields (issue 13: urine tests as tests; sessions not held, make-ups,
# compliance).
URINE = {"urine_tests": 5, "urine_positive": 2, "positivity_rate": 0.5, "violations": 2,
         "violations_open": 1, "violations_sanctioned": 1}
SESSIONS = {"sessions_not_held": 2, "not_held_by_reason": {"holiday": 1, "security_lockdown": 1},
            "makeup_sessions": 1, "compliance_rate": 0.75}
ROW = {"prison_id": "lapas-banyuwangi", "partner_id": "yayasan-gennesa", "agreement_id": AID,
       "program_id": PROGRAM_ID, "program_name": "Rehabilitasi Sosial", **INDICATORS, **URINE,
       **SESSIONS, "track": "social"}
EMPTY = {**ROW, "partner_id": None, "enrolled": 0, "active": 0, "completed": 0, "withdrawn": 0,
         "completion_rate": None, "attendance_rate": None, "hours_by_activity": {},
         "score_change": {}, "score_excluded": {}, "urine_tests": 0, "urine_positive": 0,
         "positivity_rate": None, "violations": 0, "violations_open": 0,
         "violations_sanctioned": 0, "track": None}
PRISON = {"prison_id": "lapas-banyuwangi", **INDICATORS, "agreements_active": 2, **URINE,
          **SESSIONS}


def fake(**kw) -> FakeDeps:
    return FakeDeps(rows=([ROW, EMPTY], [PRISON]), **kw)


async def test_evaluation_passes_filters_and_the_window_through():
    deps = fake()
    async with client(deps) as http:
        response = await http.get("/evaluation", params={
            "prison_id": "lapas-banyuwangi", "partner_id": "yayasan-gennesa",
            "from": "2025-03-01", "to": "2025-08-31"})
        await http.get("/evaluation")
        await http.get("/evaluation", params={"from": "2026-04-01"})  # from = today
    assert response.status_code == 200
    assert response.json() == {"items": [ROW, EMPTY]}
    assert deps.calls == [
        ("evaluation", Window(date(2025, 3, 1), date(2025, 8, 31)), "lapas-banyuwangi",
         "yayasan-gennesa"),
        ("evaluation", Window(BEGINNING, TODAY), None, None),  # `to`: today in WIB
        ("evaluation", Window(TODAY, TODAY), None, None)]
    assert deps.schemas == ["readmodel"] * 3


async def test_regional_passes_the_window_through():
    deps = fake()
    async with client(deps) as http:
        response = await http.get("/regional", params={"to": "2025-12-31"})
    assert response.status_code == 200 and response.json() == {"items": [PRISON]}
    assert deps.calls == [("regional", Window(BEGINNING, date(2025, 12, 31)))]


async def test_evaluation_and_regional_as_csv():
    async with client(fake()) as http:
        evaluation = await http.get("/evaluation", params={"format": "csv"})
        regional = await http.get("/regional", params={"format": "csv"})
    assert evaluation.headers["content-type"].startswith("text/csv")
    header, full, empty = csv.reader(io.StringIO(evaluation.text))
    assert header == list(EVALUATION_COLUMNS) == list(ROW)
    cells = dict(zip(header, full, strict=True))
    assert cells["hours_by_activity"] == '{"counseling":4.0,"skills_training":2.0}'
    assert cells["score_change"] == '{"ASSIST":-7.333333333333333,"URICA":3.0}'
    assert (cells["completion_rate"], cells["readmitted_6m"]) == ("0.5", "1")
    blank = dict(zip(header, empty, strict=True))
    assert (blank["partner_id"], blank["attendance_rate"], blank["score_change"]) == ("", "", "{}")
    # ..., urine, sessions, then track (appended last).
    assert header[-11:-5] == list(URINE) and full[-11:-5] == ["5", "2", "0.5", "2", "1", "1"]
    assert header[-5:-1] == list(SESSIONS) and full[-2] == "0.75"
    assert (header[-1], full[-1], empty[-1]) == ("track", "social", "")
    assert (blank["urine_tests"], blank["positivity_rate"]) == ("0", "")
    header, row = csv.reader(io.StringIO(regional.text))
    assert header == list(REGIONAL_COLUMNS) == list(PRISON)
    assert header[0] == "prison_id" and header[-11] == "agreements_active" and row[-11] == "2"
    assert header[-10:-4] == list(URINE) and row[-10:-4] == ["5", "2", "0.5", "2", "1", "1"]
    assert header[-4:] == list(SESSIONS) and row[-1] == "0.75"


@pytest.mark.parametrize("url, field", [
    ("/evaluation?from=2025-02-30", "from"),
    ("/evaluation?to=31-12-2025", "to"),
    ("/evaluation?from=2025-03-02&to=2025-03-01", "from"),
    ("/evaluation?from=2026-04-02", "from"),  # after the default `to`, today
    ("/evaluation?prison_id=Lapas_X", "prison_id"),
    ("/evaluation?partner_id=-x", "partner_id"),
    ("/evaluation?format=xls", "format"),
    ("/regional?to=yesterday", "to"),
    ("/regional?from=2025-03-02&to=2025-03-01", "from"),
    ("/regional?format=xml", "format"),
    # Dates only as YYYY-MM-DD: not a Unix time (pydantic's `date` reads "0" as 1970-01-01).
    ("/evaluation?to=0", "to"),
    ("/evaluation?to=1767139200", "to"),
    ("/evaluation?from=1735689600", "from"),
    ("/evaluation?to=2025-12-31T00:00:00", "to"),
    ("/evaluation?to=2025-12-31T00:00:00Z", "to"),
    ("/evaluation?to=2025-1-5", "to"),
    ("/regional?to=0", "to"),
    ("/regional?from=1767139200", "from"),
])
async def test_bad_parameters_are_400_invalid(url, field):
    deps = fake()
    async with client(deps) as http:
        response = await http.get(url)
    assert_error(response, 400, "invalid", [field])
    assert [c for c in deps.calls if c[0] in ("evaluation", "regional")] == []


REPORTS = ["/agreements", f"/programs/{PROGRAM_ID}", f"/audit/agreement/{AID}", "/evaluation",
           "/regional"]


@pytest.mark.parametrize("url", REPORTS)
async def test_as_of_reads_the_replays_schema(url):
    deps = fake()
    async with client(deps) as http:
        response = await http.get(url, params={"as_of": "after_sign"})
    assert response.status_code == 200
    assert ("checkpoint", "asof_after_sign") in deps.calls
    assert deps.schemas == ([] if url.startswith("/audit") else ["asof_after_sign"])


@pytest.mark.parametrize("url", REPORTS)
async def test_an_unknown_replay_is_404_not_found(url):
    deps = fake()
    async with client(deps) as http:
        response = await http.get(url, params={"as_of": "nope"})
    assert_error(response, 404, "not_found", [])
    assert response.json()["error"]["message"] == "no replay named nope"
    assert deps.schemas == []


@pytest.mark.parametrize("name", ["Audit", "_audit", "audit-2025", "a" * 42, "", "x y", "é"])
@pytest.mark.parametrize("url", REPORTS)
async def test_a_malformed_replay_name_is_400_invalid(url, name):
    deps = fake()
    async with client(deps) as http:
        response = await http.get(url, params={"as_of": name})
    assert_error(response, 400, "invalid", ["as_of"])
    assert deps.calls == []


async def test_the_audit_as_of_a_replay_stops_at_its_checkpoint():
    async with client(fake()) as http:
        before = await http.get(f"/audit/agreement/{AID}", params={"as_of": "audit_2025"})
        after = await http.get(f"/audit/agreement/{AID}", params={"as_of": "after_sign"})
    assert_error(before, 404, "not_found", [])  # the event (seq 3) came after the replay (2)
    assert [e["seq"] for e in after.json()["events"]] == [3]


async def test_health_has_no_as_of():
    deps = fake()
    async with client(deps) as http:
        response = await http.get("/health", params={"as_of": "nope"})
    assert_error(response, 400, "invalid", ["as_of"])  # not a parameter of /health
    assert deps.calls == []


@pytest.mark.parametrize("url", ["/evaluation", "/regional", "/evaluation?as_of=audit_2025"])
async def test_dependency_down_is_503_unavailable(url):
    async with client(fake(fail=StoreUnavailable("pg down"))) as http:
        response = await http.get(url)
    assert_error(response, 503, "unavailable", [])


def test_asof_schema_names_the_replays_schema():
    assert asof_schema("audit_2025") == "asof_audit_2025"
    assert asof_schema("a" * 41) == "asof_" + "a" * 41
    for bad in ("Audit", "_a", "a-b", "a" * 42, "", 'x"; DROP SCHEMA readmodel; --'):
        with pytest.raises(ValueError):
            asof_schema(bad)


async def test_openapi_documents_the_evaluation_reports():
    async with client(fake()) as http:
        spec = (await http.get("/openapi.json")).json()
    for path in ("/evaluation", "/regional"):  # 403: prison_id (issue 15: /regional too)
        operation = spec["paths"][path]["get"]
        assert set(operation["responses"]) == {"200", "400", "401", "403", "404", "500", "503"}
        assert "text/csv" in operation["responses"]["200"]["content"]
        assert {"from", "to", "format", "as_of"} <= {p["name"] for p in operation["parameters"]}
    item = spec["components"]["schemas"]["EvaluationItem"]
    assert list(item["properties"]) == list(EVALUATION_COLUMNS)


async def test_an_as_of_report_is_dated_at_its_replays_day():
    deps = fake()

    async def replay_day(schema):
        return date(2025, 12, 31) if schema == "asof_after_sign" else None

    deps.replay_day = replay_day
    async with client(deps) as http:
        await http.get("/evaluation", params={"as_of": "after_sign"})
        await http.get("/evaluation")
    evaluations = [c for c in deps.calls if c[0] == "evaluation"]
    assert evaluations == [("evaluation", Window(BEGINNING, date(2025, 12, 31)), None, None),
                           ("evaluation", Window(BEGINNING, TODAY), None, None)]
