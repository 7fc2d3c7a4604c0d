"""Whatever fails inside a report (a database error, a bug) answers the contract's error body,
never a bare `Internal Server Error` text."""

import asyncpg
import httpx
import pytest

from services.reporting.http.app import ReportingDeps, create_app
from tests.unit.test_reporting_app import NOW, FakeDeps
from tests.unit.test_reporting_strict_params import ROUTES

FAILURES = [asyncpg.exceptions.NumericValueOutOfRangeError("value out of range: overflow"),
            asyncpg.exceptions.UndefinedTableError('relation "x" does not exist'),
            asyncpg.exceptions.DataError("invalid input"), ZeroDivisionError("division by zero")]


def client(fake: FakeDeps) -> httpx.AsyncClient:
    app = create_app(ReportingDeps(reads=fake, clock=lambda: NOW))
    # As a server would answer: an exception the app lets through becomes its plain 500.
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://test")


@pytest.mark.parametrize("failure", FAILURES, ids=lambda e: type(e).__name__)
@pytest.mark.parametrize("url", ROUTES)
async def test_an_unexpected_failure_answers_the_error_body(url, failure):
    async with client(FakeDeps(fail=failure)) as http:
        response = await http.get(url)
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["ok"] is False and body["error"]["code"] == "unavailable"
    assert type(failure).__name__ in body["error"]["message"]
    assert str(failure) not in body["error"]["message"]  # no values from the database
    assert body["error"]["details"] == []


def test_the_openapi_documents_the_500():
    app = create_app(ReportingDeps(reads=None, clock=lambda: NOW))
    for path in app.openapi()["paths"].values():
        assert "500" in path["get"]["responses"]
