"""Bearer tokens on the reports, over the hand-written fakes of test_reporting_app: 401 without
a valid token, 403 for another prison's filter or id, lists filtered to the token's prisons."""

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ops.tokens import issue_token, scope_of
from services.reporting.http.access import required
from services.reporting.http.app import ReportingDeps, create_app
from services.reporting.http.tokens import TokenVerifier
from tests.unit.test_reporting_app import AID, NOW, PROGRAM, PROGRAM_ID, FakeDeps

KEY = Ed25519PrivateKey.generate()
A, B, C = "lapas-banyuwangi", "lapas-jember", "lapas-malang"
DAY = timedelta(days=1)


class ScopedFake(FakeDeps):
    """FakeDeps whose lists also record the `prisons` they were asked for."""

    def __init__(self):
        super().__init__()
        self.reports = [PROGRAM, {**PROGRAM, "prison_id": B}]
        self.prisons: list[object] = []

    async def agreements(self, schema, today, prison_id, partner_id, status, *, prisons=None):
        self.prisons.append(prisons)
        return await super().agreements(schema, today, prison_id, partner_id, status)

    async def evaluation(self, schema, window, prison_id, partner_id, *, prisons=None):
        self.prisons.append(prisons)
        return await super().evaluation(schema, window, prison_id, partner_id)

    async def regional(self, schema, window, *, prisons=None):
        self.prisons.append(prisons)
        return await super().regional(schema, window)


def client(fake, key=KEY) -> httpx.AsyncClient:
    verify = TokenVerifier(key.public_key())
    app = create_app(ReportingDeps(reads=fake, clock=lambda: NOW, authorize=required(verify)))
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


def bearer(scope=None, ttl=DAY, now=None, key=KEY) -> dict[str, str]:
    token = issue_token(key, scope or scope_of(A), ttl, now)
    return {"Authorization": f"Bearer {token}"}


def refused(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert response.json()["ok"] is False and error["code"] == code
    return error


EXPIRED = {"now": datetime.now(UTC) - 2 * DAY}
OTHER_KEY = {"key": Ed25519PrivateKey.generate()}


@pytest.mark.parametrize("headers", [
    {}, {"Authorization": "Bearer"}, {"Authorization": "Basic dXNlcjpwdw=="},
    {"Authorization": "Bearer not.a.token"}, bearer(**EXPIRED), bearer(**OTHER_KEY),
], ids=["none", "empty", "basic", "garbage", "expired", "other-key"])
@pytest.mark.parametrize("path", ["/agreements", "/evaluation?format=csv", "/regional",
                                  f"/programs/{PROGRAM_ID}", f"/audit/agreement/{AID}"])
async def test_no_valid_token_is_401_and_reads_nothing(headers, path):
    fake = ScopedFake()
    async with client(fake) as http:
        response = await http.get(path, headers=headers)
    refused(response, 401, "unauthenticated")
    assert response.headers["WWW-Authenticate"].startswith('Bearer realm="pulih"')
    assert fake.calls == []


async def test_the_reason_is_given_and_the_token_never_echoed():
    headers = bearer(**EXPIRED)
    async with client(ScopedFake()) as http:
        error = refused(await http.get("/agreements", headers=headers), 401, "unauthenticated")
    assert error["message"] == "the token has expired"
    assert headers["Authorization"].split()[1] not in str(error)


async def test_health_needs_no_token():
    async with client(ScopedFake()) as http:
        assert (await http.get("/health")).status_code == 200


async def test_a_prison_token_reads_its_prison_only_in_every_list():
    fake = ScopedFake()
    async with client(fake) as http:
        for path in ("/agreements", "/agreements?format=csv", "/evaluation", "/regional",
                     f"/agreements?prison_id={A}"):
            assert (await http.get(path, headers=bearer())).status_code == 200, path
    assert fake.prisons == [[A]] * 5


async def test_a_region_token_reads_its_prisons_and_all_reads_everything():
    fake = ScopedFake()
    region = scope_of(region=("jatim", [B, A]))
    async with client(fake) as http:
        assert (await http.get("/regional", headers=bearer(region))).status_code == 200
        assert (await http.get(f"/evaluation?prison_id={B}", headers=bearer(region))
                ).status_code == 200
        assert (await http.get("/agreements", headers=bearer(scope_of(every=True)))
                ).status_code == 200
    assert fake.prisons == [[A, B], [A, B], None]


@pytest.mark.parametrize("path", [f"/agreements?prison_id={B}", f"/evaluation?prison_id={B}",
                                  f"/programs/{PROGRAM_ID}?prison_id={B}",
                                  f"/audit/agreement/{AID}?prison_id={B}"])
async def test_another_prisons_filter_is_403(path):
    fake = ScopedFake()
    async with client(fake) as http:
        error = refused(await http.get(path, headers=bearer()), 403, "forbidden")
    assert error["details"] == [{"field": "prison_id",
                                 "message": "your token does not cover this prison"}]
    assert fake.calls == []


async def test_another_prisons_id_is_403_its_own_200_an_unknown_one_404():
    fake = ScopedFake()
    fake.reports = [{**PROGRAM, "prison_id": B}]  # PROGRAM_ID exists in B only
    async with client(fake) as http:
        refused(await http.get(f"/programs/{PROGRAM_ID}", headers=bearer()), 403, "forbidden")
        refused(await http.get(f"/audit/agreement/{AID}", headers=bearer(scope_of(C))),
                403, "forbidden")
        own = await http.get(f"/programs/{PROGRAM_ID}", headers=bearer(scope_of(B)))
        unknown = await http.get(f"/programs/{AID}", headers=bearer(scope_of(B)))
    assert own.status_code == 200 and own.json()["prison_id"] == B
    refused(unknown, 404, "not_found")


async def test_an_id_in_two_prisons_answers_the_tokens_own_without_prison_id():
    async with client(ScopedFake()) as http:  # PROGRAM_ID in A and in B
        mine = await http.get(f"/programs/{PROGRAM_ID}", headers=bearer(scope_of(B)))
        both = await http.get(f"/programs/{PROGRAM_ID}", headers=bearer(scope_of(every=True)))
    assert mine.status_code == 200 and mine.json()["prison_id"] == B
    refused(both, 400, "invalid")


@pytest.mark.parametrize("claims", [{"sub": "x"}, {"sub": "x", "prisons": []},
                                    {"sub": "x", "prisons": ["Not A Slug"]},
                                    {"sub": "x", "all": "yes"}])
async def test_a_token_naming_no_prisons_is_401(claims):
    async with client(ScopedFake()) as http:
        error = refused(await http.get("/regional", headers=bearer(claims)), 401,
                        "unauthenticated")
    assert "names no prisons" in error["message"]


async def test_a_token_without_expiry_is_401():
    import jwt

    token = jwt.encode({"iss": "pulih", "sub": "x", "iat": 1, "all": True}, KEY,
                       algorithm="EdDSA")
    async with client(ScopedFake()) as http:
        response = await http.get("/regional", headers={"Authorization": f"Bearer {token}"})
    refused(response, 401, "unauthenticated")


def test_the_openapi_document_names_the_bearer_scheme_and_401_403():
    doc = create_app(ReportingDeps(reads=ScopedFake(), clock=lambda: NOW)).openapi()
    assert doc["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    assert "security" not in doc["paths"]["/health"]["get"]
    for path in ("/agreements", "/programs/{program_id}", "/evaluation", "/regional"):
        operation = doc["paths"][path]["get"]
        assert operation["security"] == [{"bearer": []}]
        assert "401" in operation["responses"]
    assert "403" in doc["paths"]["/agreements"]["get"]["responses"]
