"""The reporting HTTP API over hand-written fake dependencies."""

import csv
import io
from datetime import UTC, datetime

import httpx
import pytest

from services.reporting.http.app import ReportingDeps, create_app
from shared.store import Recorded, StoreUnavailable

AID = "0b7d6c1e-1111-4a2b-8c3d-000000000001"
ITEM = {
    "agreement_id": AID, "prison_id": "lapas-banyuwangi", "partner_id": "yayasan-gennesa",
    "partner_name": "Yayasan Gennesa, Banyuwangi", "number": "PKS/01/2024", "title": "Rehab",
    "services": ["counseling", "medical"], "signed_on": "2024-01-10",
    "effective_from": "2024-02-01", "effective_until": "2025-01-31", "status": "active",
    "days_left": 100, "extensions": 1,
}
ENVELOPE = {
    "event_id": "e1", "type": "AgreementSigned", "schema_version": 1,
    "prison_id": "lapas-banyuwangi", "aggregate_type": "agreement", "aggregate_id": AID,
    "aggregate_version": 1, "occurred_at": "2024-01-10T00:00:00+07:00",
    "recorded_at": "2024-01-10T03:00:00.000000+00:00", "actor": "officer:lapas-banyuwangi:rina",
    "command_id": "c1", "correlation_id": "c1", "causation_id": None, "prev_hash": "",
    "hash": "ab" * 32, "data": {"number": "PKS/01/2024", "services": ["counseling"]},
}
PROGRAM_ID = "5a1c0000-0000-4000-8000-000000000001"
PROGRAM = {
    "program_id": PROGRAM_ID, "prison_id": "lapas-banyuwangi", "agreement_id": AID,
    "name": "Rehabilitasi sosial", "cohort": "2025-A", "capacity": 20, "status": "open",
    "enrolled": 12, "active": 9, "completed": 2, "withdrawn": 1, "sessions_held": 8,
    "attendance_rate": 0.875, "sessions_not_held": 1,
    "track": "social", "planned_days": 180,
    "phases": [{"name": "induction", "days": 30}, {"name": "primary", "days": 150}],
    "phase_counts": {"induction": 2, "primary": 7},
}
HEALTH = {"projections": {"agreements": {"last_seq": 5, "lag": 2}}, "stream_last_seq": 7}


NOW = datetime(2026, 3, 31, 18, 0, tzinfo=UTC)  # 2026-04-01 01:00 in WIB
REPLAYS = {"asof_audit_2025": 2, "asof_after_sign": 3}  # replay schema -> its checkpoint


class FakeDeps:
    def __init__(self, fail: Exception | None = None, report: dict = PROGRAM,
                 rows: tuple[list, list] = ([], [])):
        self.calls: list[tuple] = []
        self.schemas: list[str] = []  # the read-model schema each report query was given
        self.fail = fail
        self.reports = [report]  # the program of PROGRAM_ID in each prison that has one
        self.trail = [Recorded(3, ENVELOPE)]  # AID's events, in whatever prison
        self.evaluation_rows, self.regional_rows = rows

    async def agreements(self, schema, today, prison_id, partner_id, status):
        self.schemas.append(schema)
        self.calls.append(("agreements", prison_id, partner_id, status))
        if self.fail:
            raise self.fail
        return [ITEM]

    async def health(self):
        if self.fail:
            raise self.fail
        return HEALTH

    async def audit(self, aggregate_type, aggregate_id, prison_id):
        self.calls.append(("audit", aggregate_type, aggregate_id, *_given(prison_id)))
        if self.fail:
            raise self.fail
        return [r for r in self.trail if prison_id in (None, r.envelope["prison_id"])
                ] if aggregate_id == AID else []

    async def program(self, schema, program_id, prison_id):
        self.schemas.append(schema)
        self.calls.append(("program", program_id, *_given(prison_id)))
        if self.fail:
            raise self.fail
        return [r for r in self.reports if prison_id in (None, r["prison_id"])
                ] if program_id == PROGRAM_ID else []

    async def evaluation(self, schema, window, prison_id, partner_id):
        self.schemas.append(schema)
        self.calls.append(("evaluation", window, prison_id, partner_id))
        if self.fail:
            raise self.fail
        return self.evaluation_rows

    async def regional(self, schema, window):
        self.schemas.append(schema)
        self.calls.append(("regional", window))
        if self.fail:
            raise self.fail
        return self.regional_rows

    async def checkpoint(self, schema):
        self.calls.append(("checkpoint", schema))
        if self.fail:
            raise self.fail
        return REPLAYS.get(schema)

    async def replay_day(self, schema):
        return None


def _given(prison_id: str | None) -> tuple[str, ...]:
    return () if prison_id is None else (prison_id,)


def client(fake: FakeDeps) -> httpx.AsyncClient:
    app = create_app(ReportingDeps(reads=fake, clock=lambda: NOW, live_schema="readmodel"))
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


async def test_health():
    async with client(FakeDeps()) as http:
        response = await http.get("/health")
    assert response.status_code == 200
    assert response.json() == {**HEALTH, "problem": None, "projections": {
        "agreements": {**HEALTH["projections"]["agreements"], "parked": 0}}}


async def test_agreements_pass_filters_through():
    fake = FakeDeps()
    async with client(fake) as http:
        response = await http.get("/agreements", params={
            "prison_id": "lapas-banyuwangi", "partner_id": "yayasan-gennesa", "status": "active"})
        await http.get("/agreements")
    assert response.status_code == 200
    assert response.json() == {"items": [ITEM]}
    assert fake.calls == [("agreements", "lapas-banyuwangi", "yayasan-gennesa", "active"),
                          ("agreements", None, None, None)]


async def test_agreements_as_csv():
    async with client(FakeDeps()) as http:
        response = await http.get("/agreements", params={"format": "csv"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0] == list(ITEM)
    assert rows[1][rows[0].index("services")] == '["counseling","medical"]'
    assert rows[1][rows[0].index("partner_name")] == "Yayasan Gennesa, Banyuwangi"
    assert rows[1][rows[0].index("days_left")] == "100"


async def test_audit_lists_the_events():
    fake = FakeDeps()
    async with client(fake) as http:
        response = await http.get(f"/audit/agreement/{AID}")
        as_csv = await http.get(f"/audit/agreement/{AID}", params={"format": "csv"})
    assert response.status_code == 200
    keep = ("type", "aggregate_version", "occurred_at", "recorded_at", "actor", "command_id",
            "correlation_id", "causation_id", "prev_hash", "hash", "data")
    assert response.json() == {"events": [{"seq": 3, **{k: ENVELOPE[k] for k in keep}}]}
    assert fake.calls == [("audit", "agreement", AID)] * 2
    header, row = csv.reader(io.StringIO(as_csv.text))
    assert header == ["seq", *keep] and row[0] == "3" and row[-4] == ""


async def test_program_report():
    fake = FakeDeps()
    async with client(fake) as http:
        response = await http.get(f"/programs/{PROGRAM_ID}")
        as_csv = await http.get(f"/programs/{PROGRAM_ID}", params={"format": "csv"})
    assert response.status_code == 200
    assert response.json() == PROGRAM
    assert fake.calls == [("program", PROGRAM_ID)] * 2
    header, row = csv.reader(io.StringIO(as_csv.text))
    assert header == list(PROGRAM) and row[header.index("attendance_rate")] == "0.875"


async def test_program_without_marks_has_a_null_rate():
    fake = FakeDeps(report={**PROGRAM, "sessions_held": 0, "attendance_rate": None})
    async with client(fake) as http:
        response = await http.get(f"/programs/{PROGRAM_ID}")
    assert response.status_code == 200 and response.json()["attendance_rate"] is None


def assert_error(response: httpx.Response, status: int, code: str, fields: list[str]) -> None:
    assert response.status_code == status
    body = response.json()
    assert body["ok"] is False and body["error"]["code"] == code
    assert body["error"]["message"]
    assert [d["field"] for d in body["error"]["details"]] == fields


@pytest.mark.parametrize("url, field", [
    ("/agreements?status=lapsed", "status"),
    ("/agreements?prison_id=Lapas_X", "prison_id"),
    ("/agreements?partner_id=-bad", "partner_id"),
    ("/agreements?format=xml", "format"),
    (f"/audit/kanwil/{AID}", "aggregate_type"),
    ("/audit/agreement/not-a-uuid", "aggregate_id"),
    (f"/audit/agreement/{AID.upper()}", "aggregate_id"),
    ("/programs/not-a-uuid", "program_id"),
    (f"/programs/{PROGRAM_ID.upper()}", "program_id"),
    (f"/programs/{PROGRAM_ID}?format=xml", "format"),
    (f"/programs/{PROGRAM_ID}?prison_id=Lapas-A", "prison_id"),
    (f"/programs/{PROGRAM_ID}?prison_id=lapas.a", "prison_id"),
    (f"/audit/agreement/{AID}?prison_id=*", "prison_id"),
])
async def test_bad_parameters_are_400_invalid(url, field):
    fake = FakeDeps()
    async with client(fake) as http:
        response = await http.get(url)
    assert_error(response, 400, "invalid", [field])
    assert fake.calls == []


async def test_unknown_aggregate_is_404():
    async with client(FakeDeps()) as http:
        response = await http.get("/audit/program/00000000-0000-4000-8000-000000000000")
        program = await http.get("/programs/00000000-0000-4000-8000-000000000000")
        nowhere = await http.get("/nowhere")
    assert_error(response, 404, "not_found", [])
    assert_error(program, 404, "not_found", [])
    assert_error(nowhere, 404, "not_found", [])


@pytest.mark.parametrize("error", [StoreUnavailable("nats down"), ConnectionRefusedError(111)])
@pytest.mark.parametrize("url", ["/health", "/agreements", f"/audit/agreement/{AID}",
                                 f"/programs/{PROGRAM_ID}"])
async def test_dependency_down_is_503_unavailable(error, url):
    async with client(FakeDeps(fail=error)) as http:
        response = await http.get(url)
    assert_error(response, 503, "unavailable", [])


async def test_openapi_documents_the_contract_errors_not_422():
    async with client(FakeDeps()) as http:
        spec = (await http.get("/openapi.json")).json()
    operation = spec["paths"]["/agreements"]["get"]
    # 401/403: bearer tokens; 404: unknown as_of
    assert set(operation["responses"]) == {"200", "400", "401", "403", "404", "500", "503"}
    assert "text/csv" in operation["responses"]["200"]["content"]
    assert "HTTPValidationError" not in spec["components"]["schemas"]
