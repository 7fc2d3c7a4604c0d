"""`/regional?prison_id=&kanwil_id=` and `/evaluation?kanwil_id=` over a fake read model: the
filters reach the port (with the token's prisons), another prison's is 403, files are named
after them, and a request without them calls the port as before."""

from datetime import date

import pytest

from ops.tokens import scope_of
from services.reporting.read.figures import Window
from tests.unit.test_reporting_access import A, B, bearer, refused
from tests.unit.test_reporting_access import client as token_client
from tests.unit.test_reporting_app import FakeDeps, client
from tests.unit.test_reporting_evaluation_app import PRISON, ROW

WINDOW = Window(date(2025, 1, 1), date(2025, 12, 31))
PERIOD = {"from": "2025-01-01", "to": "2025-12-31"}
JAVA = "kanwil-jatim"


class FilterFake(FakeDeps):
    """FakeDeps whose regional and evaluation reads record the keywords they were given."""

    def __init__(self):
        super().__init__(rows=([ROW], [PRISON]))
        self.keywords: list[tuple[str, dict]] = []

    async def evaluation(self, schema, window, prison_id, partner_id, **kw):
        self.keywords.append(("evaluation", kw))
        return await super().evaluation(schema, window, prison_id, partner_id)

    async def regional(self, schema, window, **kw):
        self.keywords.append(("regional", kw))
        return await super().regional(schema, window)


async def test_regional_passes_prison_and_kanwil_through():
    fake = FilterFake()
    async with client(fake) as http:
        one = await http.get("/regional", params={"prison_id": A, **PERIOD})
        region = await http.get("/regional", params={"kanwil_id": JAVA, **PERIOD})
        both = await http.get("/regional", params={"prison_id": A, "kanwil_id": JAVA})
        await http.get("/regional", params=PERIOD)
    assert [r.status_code for r in (one, region, both)] == [200, 200, 200]
    assert one.json() == {"items": [PRISON]} and PRISON["prison_id"] == A
    assert fake.keywords == [("regional", {"prison_id": A}), ("regional", {"kanwil_id": JAVA}),
                             ("regional", {"prison_id": A, "kanwil_id": JAVA}),
                             ("regional", {})]
    assert fake.calls[0] == ("regional", WINDOW)


async def test_evaluation_passes_kanwil_through():
    fake = FilterFake()
    async with client(fake) as http:
        response = await http.get("/evaluation", params={"kanwil_id": JAVA, **PERIOD})
        await http.get("/evaluation", params={"prison_id": A})
    assert response.status_code == 200
    assert fake.keywords == [("evaluation", {"kanwil_id": JAVA}), ("evaluation", {})]
    assert fake.calls[0] == ("evaluation", WINDOW, None, None)


@pytest.mark.parametrize("params", [{"kanwil_id": "Kanwil Jatim"}, {"prison_id": "a b"},
                                    {"kanwil": JAVA}, {"kanwil_id": ""}])
async def test_a_malformed_or_unknown_filter_is_invalid_and_reads_nothing(params):
    fake = FilterFake()
    async with client(fake) as http:
        response = await http.get("/regional", params=params)
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid"
    assert fake.keywords == []


@pytest.mark.parametrize(("path", "params", "stem"), [
    ("/regional", {"prison_id": A}, f"pulih-regional-{A}-2025-01-01_2025-12-31"),
    ("/regional", {"kanwil_id": JAVA}, f"pulih-regional-{JAVA}-2025-01-01_2025-12-31"),
    ("/regional", {"prison_id": A, "kanwil_id": JAVA},
     f"pulih-regional-{A}-{JAVA}-2025-01-01_2025-12-31"),
    ("/evaluation", {"kanwil_id": JAVA}, f"pulih-evaluation-{JAVA}-2025-01-01_2025-12-31"),
])
@pytest.mark.parametrize("format_", ["csv", "xlsx"])
async def test_files_are_named_after_the_filters(path, params, stem, format_):
    async with client(FilterFake()) as http:
        response = await http.get(path, params={**params, **PERIOD, "format": format_})
    assert response.status_code == 200
    assert response.headers["content-disposition"] == \
        f'attachment; filename="{stem}.{format_}"'


async def test_a_prison_token_gets_403_for_another_prison_and_its_own_of_a_kanwil():
    fake = FilterFake()
    async with token_client(fake) as http:
        other = await http.get("/regional", params={"prison_id": B}, headers=bearer())
        mine = await http.get("/regional", params={"prison_id": A, "kanwil_id": JAVA},
                              headers=bearer())
        region = await http.get("/regional", params={"kanwil_id": JAVA},
                                headers=bearer(scope_of(A)))
    assert refused(other, 403, "forbidden")["details"][0]["field"] == "prison_id"
    assert mine.status_code == 200 and region.status_code == 200
    assert fake.keywords == [("regional", {"prisons": [A], "prison_id": A, "kanwil_id": JAVA}),
                             ("regional", {"prisons": [A], "kanwil_id": JAVA})]


class DashboardFake(FilterFake):
    """FilterFake with the dashboard's reads: the prisons and programs listed are those of its
    rows, the quarterly counts `quarterly_rows`."""

    quarterly_rows: list[dict] = []

    async def agreements(self, schema, today, prison_id, partner_id, status):
        return []

    async def kanwils(self, schema, **kw):
        return [{"kanwil_id": "kanwil-bali", "kanwil_name": "Kanwil Bali"},
                {"kanwil_id": JAVA, "kanwil_name": "Kanwil Jawa Timur"}]

    async def partners(self, schema, **kw):
        self.keywords.append(("partners", kw))
        return [("yayasan-gennesa", "Yayasan Gennesa")]

    async def prison_ids(self, schema, to, **kw):
        self.keywords.append(("prison_ids", kw))
        return sorted({r["prison_id"] for r in self.regional_rows})

    async def program_keys(self, schema, prison_id, partner_id, **kw):
        self.keywords.append(("program_keys", kw))
        return [(r["prison_id"], r["program_id"]) for r in self.evaluation_rows]

    async def quarterly(self, schema, quarters, by_kanwil, **kw):
        self.keywords.append(("quarterly", {**kw, "by_kanwil": by_kanwil,
                                            "quarters": len(quarters)}))
        return self.quarterly_rows


async def test_the_region_page_narrows_every_read_to_the_kanwil_chosen():
    fake = DashboardFake()
    async with client(fake) as http:
        page = await http.get("/", params={"kanwil_id": JAVA, **PERIOD})
    assert page.status_code == 200, page.text
    # The lists and the quarters read the Kanwil; the tables, the rows of its prisons listed.
    listed = [c for c, kw in fake.keywords if kw.get("kanwil_id") == JAVA]
    assert listed == ["prison_ids", "program_keys", "quarterly"]
    assert ("quarterly", {"kanwil_id": JAVA, "by_kanwil": False, "quarters": 4}) in fake.keywords
    assert ("partners", {}) in fake.keywords  # the partners filter: every agreement's
    assert [kw for c, kw in fake.keywords if c in ("regional", "evaluation")] == [
        {"prisons": [A]}, {"prisons": [A]}]
    assert f'<option value="{JAVA}" selected>Kanwil Jawa Timur</option>' in page.text
    assert '<option value="kanwil-bali" >Kanwil Bali</option>' in page.text
    assert f'href="/regional?from=2025-01-01&amp;to=2025-12-31&amp;kanwil_id={JAVA}' \
        '&amp;format=csv"' in page.text
