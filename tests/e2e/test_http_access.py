"""Bearer tokens on the real reports: the reporting service composed as in production
(`services.reporting.main.Reporting`, PULIH_HTTP_AUTH on, the key from PULIH_NATS_CREDENTIALS
and an OpenID Connect key set from PULIH_HTTP_JWKS_URL), reading the stack's read model on a
real PostgreSQL, over real HTTP."""

import csv
import io
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import jwt
import pytest

from ops.tokens import ensure_token_key, issue_token, scope_of
from tests.e2e.helpers import last_seq
from tests.e2e.test_evaluation_e2e import first_prison, second_prison
from tests.unit.test_http_tokens import provider_token

pytestmark = [pytest.mark.nats, pytest.mark.pg]
HOUR = timedelta(hours=1)


class Secured:
    def __init__(self, http, creds, a, b, a_program, b_program):
        self.http, self.creds = http, creds
        self.a, self.b, self.a_program, self.b_program = a, b, a_program, b_program

    def token(self, scope, ttl=HOUR, now=None, key=None) -> dict[str, str]:
        token = issue_token(key or ensure_token_key(self.creds), scope, ttl, now)
        return {"Authorization": f"Bearer {token}"}

    async def get(self, path, headers):
        return await self.http.get(path, headers=headers)


@pytest.fixture(scope="module")
async def secured(stack, secured_reports):
    suffix = uuid.uuid4().hex[:8]
    a, b = f"lapas-a-{suffix}", f"lapas-b-{suffix}"
    a_program = await first_prison(stack, a)
    b_program, _ = await second_prison(stack, b)
    await stack.caught_up(await last_seq(stack))
    base_url, creds = secured_reports
    async with httpx.AsyncClient(base_url=base_url) as http:
        yield Secured(http, creds, a, b, a_program, b_program)


def prisons(response) -> set[str]:
    assert response.status_code == 200, response.text
    return {row["prison_id"] for row in response.json()["items"]}


async def test_no_token_is_401_but_health_answers(secured):
    response = await secured.get("/agreements", {})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="pulih"'
    assert (await secured.get("/health", {})).status_code == 200


async def test_a_prisons_token_sees_only_that_prison(secured):
    mine = secured.token(scope_of(secured.a))
    for path in ("/agreements", "/evaluation", "/regional"):
        assert prisons(await secured.get(path, mine)) == {secured.a}, path
    table = (await secured.get("/agreements?format=csv", mine)).text
    assert {row["prison_id"] for row in csv.DictReader(io.StringIO(table))} == {secured.a}
    everything = secured.token(scope_of(every=True))
    assert {secured.a, secured.b} <= prisons(await secured.get("/regional", everything))


async def test_another_prisons_program_or_filter_is_403(secured):
    mine = secured.token(scope_of(secured.a))
    for path in (f"/programs/{secured.b_program}", f"/evaluation?prison_id={secured.b}",
                 f"/audit/program/{secured.b_program}"):
        response = await secured.get(path, mine)
        assert response.status_code == 403, path
        assert response.json()["error"]["code"] == "forbidden"
    own = await secured.get(f"/programs/{secured.a_program}", mine)
    assert own.status_code == 200 and own.json()["prison_id"] == secured.a


async def test_a_region_token_sees_its_prisons(secured):
    region = secured.token(scope_of(region=("jatim", sorted([secured.a, secured.b]))))
    assert prisons(await secured.get("/regional", region)) == {secured.a, secured.b}
    assert prisons(await secured.get("/evaluation", region)) == {secured.a, secured.b}
    program = await secured.get(f"/programs/{secured.b_program}", region)
    assert program.status_code == 200


async def test_an_expired_or_wrongly_signed_token_is_401(secured, tmp_path):
    expired = secured.token(scope_of(secured.a), now=datetime.now(UTC) - 2 * HOUR)
    forged = secured.token(scope_of(every=True), key=ensure_token_key(tmp_path))
    for headers, reason in ((expired, "the token has expired"),
                            (forged, "the token is not signed by a trusted key")):
        response = await secured.get("/agreements", headers)
        assert response.status_code == 401
        assert response.json()["error"]["message"] == reason


async def test_a_token_of_the_openid_connect_provider_works(secured):
    token = provider_token(prisons=[secured.b])
    assert prisons(await secured.get("/agreements", {"Authorization": f"Bearer {token}"})
                   ) == {secured.b}
    unsigned = jwt.encode(jwt.decode(token, options={"verify_signature": False}), key=None,
                          algorithm="none")
    response = await secured.get("/agreements", {"Authorization": f"Bearer {unsigned}"})
    assert response.status_code == 401
