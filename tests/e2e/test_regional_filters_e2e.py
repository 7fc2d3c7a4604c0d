"""`GET /regional?kanwil_id=&prison_id=` and `/evaluation?kanwil_id=` through the whole stack:
three prisons put in two Kanwil by a region's `AssignKanwil` (Z moved from K1 to K2), read
with tokens on the secured reports. A filtered row is the unfiltered report's row."""

import csv
import io
import uuid
from datetime import timedelta

import httpx
import pytest

from ops.tokens import ensure_token_key, issue_token, scope_of
from services.reporting.http.access import TOKEN_COOKIE
from tests.e2e.helpers import enrol, last_seq, ok, program
from tests.e2e.test_quotas_e2e import assign, region_command

pytestmark = [pytest.mark.nats, pytest.mark.pg]


class Region:
    def __init__(self, http, creds, suffix):
        self.http, self.creds = http, creds
        self.x, self.y, self.z = (f"lapas-{p}-{suffix}" for p in "xyz")
        self.k1, self.k2 = f"k1-{suffix}", f"k2-{suffix}"

    def everyone(self) -> dict:
        return scope_of(region=("three", [self.x, self.y, self.z]))

    def token(self, scope=None) -> str:
        return issue_token(ensure_token_key(self.creds), scope or self.everyone(),
                           timedelta(hours=1))

    async def get(self, path, scope=None, **params):
        return await self.http.get(path, params={"to": "2025-12-31", **params},
                                   headers={"Authorization": f"Bearer {self.token(scope)}"})

    async def items(self, path, scope=None, **params):
        response = await self.get(path, scope, **params)
        assert response.status_code == 200, response.text
        return response.json()["items"]


@pytest.fixture(scope="module")
async def region(stack, secured_reports):
    """X and Y in K1, Z in K1 then K2; a program with one participant in each prison, two in
    Y's."""
    r = Region(None, secured_reports[1], uuid.uuid4().hex[:8])
    for prison, kanwil in ((r.x, r.k1), (r.y, r.k1), (r.z, r.k1)):
        ok(await region_command(stack, prison, "AssignKanwil", assign(kanwil), kanwil),
           event_type="KanwilAssigned")
    ok(await region_command(stack, r.z, "AssignKanwil", assign(r.k2, "2025-02-01"), r.k2))
    for prison, participants in ((r.x, 1), (r.y, 2), (r.z, 1)):
        program_id = await program(stack, prison)
        for _ in range(participants):
            await enrol(stack, prison, program_id)
    await stack.caught_up(await last_seq(stack))
    async with httpx.AsyncClient(base_url=secured_reports[0]) as http:
        r.http = http
        yield r


async def test_regional_of_a_kanwil_is_its_prisons_unfiltered_rows(region):
    r = region
    everything = await r.items("/regional")
    assert [row["prison_id"] for row in everything] == sorted([r.x, r.y, r.z])
    assert [row["enrolled"] for row in everything] == [1, 2, 1]
    assert await r.items("/regional", kanwil_id=r.k1) == [
        row for row in everything if row["prison_id"] in (r.x, r.y)]
    assert await r.items("/regional", kanwil_id=r.k2) == [
        row for row in everything if row["prison_id"] == r.z]
    assert await r.items("/regional", prison_id=r.y) == [
        row for row in everything if row["prison_id"] == r.y]
    assert await r.items("/regional", kanwil_id=f"nowhere-{r.k1}") == []


async def test_evaluation_of_a_kanwil_is_its_prisons_programs(region):
    r = region
    everything = await r.items("/evaluation")
    k2 = await r.items("/evaluation", kanwil_id=r.k2)
    assert k2 == [row for row in everything if row["prison_id"] == r.z] and len(k2) == 1


async def test_a_prison_token_reads_its_own_rows_of_a_kanwil_and_not_another_prison(region):
    r = region
    mine = await r.items("/regional", scope_of(r.x), kanwil_id=r.k1)
    assert [row["prison_id"] for row in mine] == [r.x]
    denied = await r.get("/regional", scope_of(r.x), prison_id=r.y)
    assert denied.status_code == 403 and denied.json()["error"]["code"] == "forbidden"


async def test_the_filtered_regional_as_a_file(region):
    r = region
    response = await r.get("/regional", kanwil_id=r.k1, format="csv")
    assert response.status_code == 200, response.text
    assert response.headers["content-disposition"] == (
        f'attachment; filename="pulih-regional-{r.k1}-to-2025-12-31.csv"')
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [(row["prison_id"], row["enrolled"]) for row in rows] == [(r.x, "1"), (r.y, "2")]


async def test_the_region_page_of_a_kanwil(region):
    r = region
    r.http.cookies.set(TOKEN_COOKIE, r.token())
    page = await r.http.get("/", params={"kanwil_id": r.k2, "to": "2025-12-31"})
    r.http.cookies.clear()
    assert page.status_code == 200, page.text
    assert f'<option value="{r.k2}" selected>Kanwil {r.k2}</option>' in page.text
    assert f'<option value="{r.k1}" >Kanwil {r.k1}</option>' in page.text
    # Tables, prison select and charts: Z's only (X and Y are K1's).
    assert {p for p in (r.x, r.y, r.z) if p in page.text} == {r.z}
    assert f'<td data-col="prison_id" data-value="&#34;{r.z}&#34;">{r.z}</td>' in page.text
