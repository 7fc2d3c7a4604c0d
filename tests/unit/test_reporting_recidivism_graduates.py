"""`/recidivism`'s graduate filters over a fake read model: what reaches the read model, the
program found as `/programs/{id}` finds it (400 in several prisons, 404, 403), the file name
(the figures: test_recidivism_graduates.py and test_recidivism_graduates_e2e.py)."""

import pytest

from services.reporting.read.recidivism import Graduates
from tests.unit.test_reporting_access import A, B, bearer, refused
from tests.unit.test_reporting_access import client as secured_client
from tests.unit.test_reporting_app import PROGRAM_ID, client
from tests.unit.test_reporting_recidivism_app import ROW, Fake

UNKNOWN = "5a1c0000-0000-4000-8000-00000000ffff"


class GraduatesFake(Fake):
    async def recidivism(self, schema, to, cohort, window, prison_id, *, prisons=None,
                         graduates=None):
        self.calls.append(("recidivism", cohort, prison_id, prisons, graduates))
        return [ROW]


def recidivism_calls(fake):
    return [c for c in fake.calls if c[0] == "recidivism"]


async def test_the_filters_reach_the_read_model_with_the_programs_prison():
    fake = GraduatesFake()
    async with client(fake) as http:
        for params in ({"graduated_in": 2025}, {"partner_id": "bnnk-x", "cohort": 2026},
                       {"program_id": PROGRAM_ID, "prison_id": B, "graduated_in": 2025}):
            response = await http.get("/recidivism", params=params)
            assert response.status_code == 200 and response.json() == {"items": [ROW]}
        assert (await http.get("/recidivism")).status_code == 200
    assert recidivism_calls(fake) == [
        ("recidivism", None, None, None, Graduates(year=2025)),
        ("recidivism", 2026, None, None, Graduates(partner_id="bnnk-x")),
        ("recidivism", None, B, None, Graduates(2025, B, PROGRAM_ID)),
        ("recidivism", None, None, None, None)]


@pytest.mark.parametrize(("params", "status", "field"), [
    ({"program_id": PROGRAM_ID}, 400, "prison_id"),  # the id is in two prisons
    ({"program_id": UNKNOWN}, 404, None),
    ({"program_id": PROGRAM_ID, "prison_id": "lapas-c"}, 404, None),
    ({"program_id": "not-a-uuid"}, 400, "program_id"),
    ({"partner_id": "Bad Partner"}, 400, "partner_id"),
    ({"graduated_in": 25}, 400, "graduated_in")])
async def test_a_bad_or_ambiguous_filter_reads_no_rows(params, status, field):
    fake = GraduatesFake()
    async with client(fake) as http:
        error = refused(await http.get("/recidivism", params=params), status,
                        "invalid" if status == 400 else "not_found")
    if field is not None:
        assert field in {d["field"] for d in error["details"]}
    assert recidivism_calls(fake) == []


async def test_a_token_finds_the_program_in_its_own_prisons_only():
    fake = GraduatesFake()
    async with secured_client(fake) as http:
        # the id is in A and B; the token covers A: the program is A's, and the rows A's
        ok = await http.get("/recidivism", params={"program_id": PROGRAM_ID}, headers=bearer())
        assert ok.status_code == 200
        refused(await http.get("/recidivism", params={"program_id": PROGRAM_ID,
                                                      "prison_id": B}, headers=bearer()),
                403, "forbidden")
    assert recidivism_calls(fake) == [
        ("recidivism", None, None, [A], Graduates(None, A, PROGRAM_ID))]


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
async def test_the_file_name_says_the_filters(file_format):
    async with client(GraduatesFake()) as http:
        response = await http.get("/recidivism", params={
            "format": file_format, "graduated_in": 2025, "program_id": PROGRAM_ID,
            "prison_id": A, "partner_id": "bnnk-x", "to": "2026-11-30"})
    assert response.status_code == 200
    assert (f'filename="pulih-recidivism-{A}-graduated-2025-{PROGRAM_ID}-bnnk-x-to-2026-11-30'
            f'.{file_format}"') in response.headers["content-disposition"]
