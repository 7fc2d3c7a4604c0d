"""`/recidivism` and `/recidivism/stock` over a fake read model: parameters, defaults, CSV,
and the token's prisons (the figures themselves: test_recidivism.py and the e2e test)."""

from datetime import date

import pytest

from services.reporting.http.recidivism_models import RECIDIVISM_COLUMNS, STOCK_COLUMNS
from tests.unit.test_reporting_access import A, B, ScopedFake, bearer, refused
from tests.unit.test_reporting_access import client as secured_client
from tests.unit.test_reporting_app import client

ROW = {"prison_id": A, "cohort": 2024, "window_months": 12, "released": 3, "conditional": 1,
       "final": 2, "excluded_died": 0, "excluded_window_open": 0, "followed": 3,
       "returned_new_offence": 1, "returned_revocation": 1, "returned": 2,
       "recidivism_rate": 2 / 3, "transfers": 2}
STOCK = {"prison_id": A, "on": date(2025, 1, 1), "in_custody": 2, "with_earlier_release": 1,
         "share": 0.5}


class Fake(ScopedFake):
    async def recidivism(self, schema, to, cohort, window, prison_id, *, prisons=None):
        self.calls.append(("recidivism", schema, to, cohort, window, prison_id, prisons))
        return [ROW]

    async def recidivism_stock(self, schema, on, prison_id, *, prisons=None):
        self.calls.append(("stock", schema, on, prison_id, prisons))
        return [STOCK]


async def test_parameters_and_defaults():
    fake = Fake()
    async with client(fake) as http:
        response = await http.get("/recidivism")
        assert response.status_code == 200 and response.json() == {"items": [ROW]}
        assert (await http.get("/recidivism", params={
            "cohort": 2024, "window": 24, "prison_id": B, "to": "2026-06-30"})).status_code == 200
        stock = await http.get("/recidivism/stock", params={"on": "2025-01-01"})
        assert stock.json() == {"items": [{**STOCK, "on": "2025-01-01"}]}
        assert (await http.get("/recidivism/stock")).status_code == 200
    today = date(2026, 4, 1)  # the fake clock's day in WIB
    assert fake.calls == [
        ("recidivism", "readmodel", today, None, None, None, None),
        ("recidivism", "readmodel", date(2026, 6, 30), 2024, 24, B, None),
        ("stock", "readmodel", date(2025, 1, 1), None, None),
        ("stock", "readmodel", today, None, None)]


@pytest.mark.parametrize(("params", "field"), [
    ({"window": 7}, "window"), ({"window": "twelve"}, "window"), ({"cohort": 24}, "cohort"),
    ({"to": "2026-6-30"}, "to"), ({"from": "2025-01-01"}, "from"), ({"on": "2025-01-01"}, "on"),
    ({"prison_id": "Lapas A"}, "prison_id")])
async def test_bad_parameters_are_400_and_read_nothing(params, field):
    fake = Fake()
    async with client(fake) as http:
        error = refused(await http.get("/recidivism", params=params), 400, "invalid")
    assert field in {d["field"] for d in error["details"]}
    assert fake.calls == []


async def test_csv_gives_the_same_rows():
    async with client(Fake()) as http:
        rows = (await http.get("/recidivism", params={"format": "csv"})).text.splitlines()
        stock = (await http.get("/recidivism/stock", params={"format": "csv"})).text
    assert rows[0] == ",".join(RECIDIVISM_COLUMNS)
    assert rows[1].startswith(f"{A},2024,12,3,1,2,0,0,3,1,1,2,0.666")
    assert stock.splitlines() == [",".join(STOCK_COLUMNS), f"{A},2025-01-01,2,1,0.5"]


async def test_a_token_reads_its_prisons_only_and_another_prisons_filter_is_403():
    fake = Fake()
    async with secured_client(fake) as http:
        assert (await http.get("/recidivism", headers=bearer())).status_code == 200
        assert (await http.get("/recidivism/stock", headers=bearer())).status_code == 200
        for path in ("/recidivism", "/recidivism/stock"):
            refused(await http.get(path, params={"prison_id": B}, headers=bearer()), 403,
                    "forbidden")
            refused(await http.get(path), 401, "unauthenticated")
    assert [call[-1] for call in fake.calls] == [[A], [A]]
