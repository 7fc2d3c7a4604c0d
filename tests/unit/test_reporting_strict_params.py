"""Report parameters are strict: dates only as YYYY-MM-DD, no unknown or repeated parameter."""

import pytest

from services.reporting.http.app import ReportingDeps, create_app
from tests.unit.test_reporting_app import AID, NOW, PROGRAM_ID, FakeDeps, assert_error, client

ROUTES = ["/health", "/agreements", f"/programs/{PROGRAM_ID}", f"/audit/agreement/{AID}",
          "/evaluation", "/regional"]


@pytest.mark.parametrize(("url", "fields"), [
    ("/agreements?prison=lapas-x", ["prison"]),
    ("/agreements?prison_id=lapas-x&partner=y&stauts=active", ["partner", "stauts"]),
    ("/evaluation?from_=2025-01-01", ["from_"]),
    ("/evaluation?To=2025-01-01", ["To"]),
    ("/regional?prison=lapas-x", ["prison"]),  # prison_id: a filter since issue 15
    (f"/programs/{PROGRAM_ID}?program_id={PROGRAM_ID}", ["program_id"]),
    (f"/audit/agreement/{AID}?aggregate_type=program", ["aggregate_type"]),
    ("/health?verbose=1", ["verbose"]),
    # Repeated:
    ("/agreements?prison_id=lapas-a&prison_id=lapas-b", ["prison_id"]),
    ("/agreements?status=active&status=active", ["status"]),
    ("/evaluation?to=2025-01-01&to=2025-02-01", ["to"]),
    ("/evaluation?from=2025-01-01&to=2025-02-01&from=2025-01-02", ["from"]),
    ("/regional?format=csv&format=json", ["format"]),
    (f"/programs/{PROGRAM_ID}?format=csv&format=csv", ["format"]),
    ("/agreements?prison=x&prison_id=lapas-a&prison_id=lapas-b", ["prison", "prison_id"]),
])
async def test_an_unknown_or_repeated_parameter_is_invalid_and_named(url, fields):
    deps = FakeDeps()
    async with client(deps) as http:
        response = await http.get(url)
    assert_error(response, 400, "invalid", fields)
    assert deps.calls == []
    for name in fields:
        assert name in response.json()["error"]["message"]


@pytest.mark.parametrize("url", ROUTES)
async def test_every_route_takes_its_declared_parameters(url):
    async with client(FakeDeps()) as http:
        assert (await http.get(url)).status_code in (200, 404)
        assert_error(await http.get(url, params={"x": "1"}), 400, "invalid", ["x"])


async def test_valid_dates_and_parameters_still_pass():
    deps = FakeDeps()
    async with client(deps) as http:
        response = await http.get("/evaluation", params={
            "from": "2025-01-01", "to": "2025-12-31", "prison_id": "lapas-x", "format": "json"})
    assert response.status_code == 200


def test_the_openapi_states_the_rules():
    app = create_app(ReportingDeps(reads=None, clock=lambda: NOW))
    doc = app.openapi()
    assert "unknown" in doc["info"]["description"]
    assert "more than once" in doc["info"]["description"]
    for path in doc["paths"].values():
        bad = path["get"]["responses"]["400"]["description"]
        assert "unknown" in bad and "more than once" in bad
    params = {p["name"]: p for p in doc["paths"]["/evaluation"]["get"]["parameters"]}
    for name in ("from", "to"):
        schema = params[name]["schema"]["anyOf"][0]
        assert schema["format"] == "date" and schema["pattern"] == r"^\d{4}-\d{2}-\d{2}$"
    assert "`from` after `to`" in params["from"]["description"]
