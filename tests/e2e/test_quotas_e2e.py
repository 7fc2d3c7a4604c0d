"""`SetQuota`, `AssignKanwil` and `GET /quotas` through the whole stack (open NATS server:
the actor must have a region's form), against a hand-computed scenario of two prisons in two
Kanwil, read with region and prison tokens on the secured reports."""

import csv
import io
import uuid
from datetime import timedelta

import httpx
import pytest

from ops.tokens import ensure_token_key, issue_token, scope_of
from shared.prisons import aggregate_id
from tests.e2e.helpers import enrol, last_seq, ok, program, refused, withdrawing

pytestmark = [pytest.mark.nats, pytest.mark.pg]


class Scenario:
    def __init__(self, http, creds, suffix):
        self.http, self.creds = http, creds
        self.x, self.y = f"lapas-x-{suffix}", f"lapas-y-{suffix}"
        self.k1, self.k2 = f"k1-{suffix}", f"k2-{suffix}"

    async def get(self, scope, **params):
        token = issue_token(ensure_token_key(self.creds), scope, timedelta(hours=1))
        return await self.http.get("/quotas", params={"year": 2025, **params},
                                   headers={"Authorization": f"Bearer {token}"})

    async def rows(self, scope, **params):
        response = await self.get(scope, **params)
        assert response.status_code == 200, response.text
        return [r for r in response.json()["items"]
                if r["prison_id"] in (self.x, self.y) or r["kanwil_id"] in (self.k1, self.k2)]


async def region_command(stack, prison, name, data, kanwil):
    return await stack.command(prison, "programs", name, data, actor=f"region:{kanwil}:ana")


def assign(kanwil, on="2025-01-02"):
    return {"kanwil_id": kanwil, "kanwil_name": f"Kanwil {kanwil}", "assigned_on": on}


def quota(track, target, year=2025):
    return {"year": year, "track": track, "target": target}


@pytest.fixture(scope="module")
async def scenario(stack, secured_reports):
    """X in K1: medical target 2 then 4 (2024's 10 is another year), social 0; two distinct
    participants of its medical program in 2025 (one enrolled twice), one in a program with no
    track. Y first in K1, then moved to K2: medical target 3, one participant of its medical
    program, one of its social program (social has no target)."""
    s = Scenario(None, secured_reports[1], uuid.uuid4().hex[:8])
    x, y, k1, k2 = s.x, s.y, s.k1, s.k2
    ok(await region_command(stack, x, "AssignKanwil", assign(k1), k1), 1, "KanwilAssigned")
    for data in (quota("medical", 2), quota("medical", 4), quota("social", 0),
                 quota("medical", 10, 2024)):
        ok(await region_command(stack, x, "SetQuota", data, k1), event_type="QuotaSet")
    ok(await region_command(stack, y, "AssignKanwil", assign(k1), k1))
    ok(await region_command(stack, y, "AssignKanwil", assign(k2, "2025-02-01"), k2))
    ok(await region_command(stack, y, "SetQuota", quota("medical", 3), k2))
    medical_x = await program(stack, x, track="medical")
    p1 = await enrol(stack, x, medical_x)
    await enrol(stack, x, medical_x)
    ok(await stack.command(x, "programs", "WithdrawParticipant",
                           withdrawing(medical_x, p1, "2025-03-10")))
    ok(await stack.command(x, "programs", "EnrollParticipant", {
        "program_id": medical_x, "participant_id": p1, "enrolled_on": "2025-04-01"}))
    await enrol(stack, x, await program(stack, x))  # no track: counted in none
    await enrol(stack, y, await program(stack, y, track="medical"))
    await enrol(stack, y, await program(stack, y, track="social"))
    await stack.caught_up(await last_seq(stack))
    async with httpx.AsyncClient(base_url=secured_reports[0]) as http:
        s.http = http
        yield s


def figures(rows):
    return [(r["level"], r["kanwil_id"], r["prison_id"], r["track"], r["target"], r["realised"],
             r["realisation_rate"], r["prisons_without_target"]) for r in rows]


async def test_prison_rows_are_target_vs_realised(scenario):
    s = scenario
    rows = await s.rows(scope_of(region=("both", [s.x, s.y])))
    assert all(r["year"] == 2025 for r in rows)
    assert figures(rows) == [
        ("prison", s.k1, s.x, "medical", 4, 2, 0.5, 0),
        ("prison", s.k1, s.x, "social", 0, 0, None, 0),
        ("prison", s.k1, s.x, "post_rehabilitation", None, 0, None, 1),
        ("prison", s.k2, s.y, "medical", 3, 1, 1 / 3, 0),
        ("prison", s.k2, s.y, "social", None, 1, None, 1),
        ("prison", s.k2, s.y, "post_rehabilitation", None, 0, None, 1),
    ]
    assert figures(await s.rows(scope_of(prison=s.y), track="social")) == [
        ("prison", s.k2, s.y, "social", None, 1, None, 1)]


async def test_kanwil_rows_need_every_prison_of_the_kanwil(scenario):
    s = scenario
    both = await s.rows(scope_of(region=("both", [s.x, s.y])), level="kanwil", track="medical")
    assert figures(both) == [("kanwil", s.k1, None, "medical", 4, 2, 0.5, 0),
                             ("kanwil", s.k2, None, "medical", 3, 1, 1 / 3, 0)]
    only_y = await s.rows(scope_of(prison=s.y), level="kanwil", track="medical")
    assert figures(only_y) == [("kanwil", s.k2, None, "medical", 3, 1, 1 / 3, 0)]


async def test_national_needs_an_every_prison_token_and_sums_the_prisons(scenario):
    s = scenario
    denied = await s.get(scope_of(region=("both", [s.x, s.y])), level="national")
    assert denied.status_code == 403 and denied.json()["error"]["code"] == "forbidden"
    everything = scope_of(every=True)
    prisons = (await s.get(everything)).json()["items"]
    national = (await s.get(everything, level="national")).json()["items"]
    for row in national:
        mine = [p for p in prisons if p["track"] == row["track"]]
        assert row["realised"] == sum(p["realised"] for p in mine) >= 0
        assert row["prisons_without_target"] == sum(p["prisons_without_target"] for p in mine)
    assert [r["track"] for r in national] == ["medical", "social", "post_rehabilitation"]


async def test_csv_has_the_columns_and_rows(scenario):
    s = scenario
    response = await s.get(scope_of(prison=s.x), track="medical", format="csv")
    assert response.status_code == 200
    (row,) = list(csv.DictReader(io.StringIO(response.text)))
    assert row == {"year": "2025", "level": "prison", "kanwil_id": s.k1, "prison_id": s.x,
                   "track": "medical", "target": "4", "realised": "2",
                   "realisation_rate": "0.5", "prisons_without_target": "0"}


async def test_refusals_write_nothing(stack, scenario):
    s = scenario
    refused(await stack.command(s.x, "programs", "SetQuota", quota("medical", 5)),
            "forbidden", "actor")  # an officer's actor
    refused(await region_command(stack, s.x, "AssignKanwil", assign(s.k2), s.k1), "forbidden",
            "data.kanwil_id")
    refused(await region_command(stack, s.x, "SetQuota", quota("medical", 10_001), s.k1),
            "invalid", "data.target")
    trail = await s.http.get(f"/audit/prison/{aggregate_id(s.x)}", headers={
        "Authorization": "Bearer " + issue_token(ensure_token_key(s.creds),
                                                 scope_of(prison=s.x), timedelta(hours=1))})
    assert trail.status_code == 200, trail.text
    assert [e["type"] for e in trail.json()["events"]] == ["KanwilAssigned", *["QuotaSet"] * 4]
