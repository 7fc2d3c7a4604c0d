"""The region page at national scale (issue 15), over a fake of 120 prisons in three Kanwil:
its tables compute one page of rows (those prisons' and programs' only) with links to the
others that keep the filters, its charts draw a line per Kanwil (and the total) unless the view
is one Kanwil or one prison, and a list too long for a select is typed."""

import json
import re

from services.reporting.dashboard.paging import Pager
from services.reporting.dashboard.tables import Table
from tests.unit.test_reporting_app import ITEM, client
from tests.unit.test_reporting_evaluation_app import PRISON, ROW
from tests.unit.test_reporting_regional_filters import JAVA, DashboardFake

PRISONS = [f"lapas-{n:03d}" for n in range(120)]
KANWIL = ["kanwil-bali", JAVA, None]  # of prison n: KANWIL[n % 3]


class RegionFake(DashboardFake):
    def __init__(self):
        super().__init__()
        self.regional_rows = [{**PRISON, "prison_id": p} for p in PRISONS]
        self.evaluation_rows = [{**ROW, "prison_id": p, "program_id": f"{p}-program"}
                                for p in PRISONS]

    async def regional(self, schema, window, **kw):
        self.keywords.append(("regional", kw))
        return [r for r in self.regional_rows if r["prison_id"] in kw["prisons"]]

    async def evaluation(self, schema, window, prison_id, partner_id, **kw):
        self.keywords.append(("evaluation", kw))
        return [r for r in self.evaluation_rows if r["prison_id"] in kw["prisons"]]

    async def agreements(self, schema, today, prison_id, partner_id, status):
        return [{**ITEM, "prison_id": p, "number": f"PKS/{p}", "extensions": n % 2}
                for n, p in enumerate(PRISONS)]

    async def quarterly(self, schema, quarters, by_kanwil, **kw):
        await super().quarterly(schema, quarters, by_kanwil, **kw)
        lines = {KANWIL[n % 3] if by_kanwil else p for n, p in enumerate(PRISONS)}
        return [{"line": line, "quarter": i, "enrolled": 4, "completed": 1, "withdrawn": 0,
                 "sessions_held": 2, "attended": 3, "counted": 4, "released": 0}
                for line in lines for i in range(len(quarters))]


def shown(page: str, table: str) -> list[str]:
    section = page.split(f'id="{table}"')[1].split("</section>")[0]
    return re.findall(r'data-col="prison_id" data-value="&#34;([a-z0-9-]+)&#34;"', section)


def charts(page: str) -> list[dict]:
    data = page.split('<script type="application/json" id="charts">')[1].split("</script>")[0]
    return json.loads(data.replace("<\\/", "</"))


async def test_the_tables_compute_one_page_and_link_to_the_others():
    fake = RegionFake()
    async with client(fake) as http:
        page = (await http.get("/", params={"page": 2, "programs_page": 3, "lang": "en",
                                            "to": "2025-12-31"})).text
    assert shown(page, "regional") == PRISONS[50:100]
    assert shown(page, "evaluation") == PRISONS[100:120]
    calls = {c: kw for c, kw in fake.keywords if c in ("regional", "evaluation")}
    assert calls == {"regional": {"prisons": PRISONS[50:100]},
                     "evaluation": {"prisons": PRISONS[100:120]}}
    assert "rows 51–100 of 120" in page and "rows 101–120 of 120" in page
    assert 'href="?programs_page=3&amp;lang=en&amp;to=2025-12-31"' in page  # page 1
    assert 'href="?page=3&amp;programs_page=3&amp;lang=en&amp;to=2025-12-31"' in page
    assert 'href="?page=2&amp;programs_page=2&amp;lang=en&amp;to=2025-12-31"' in page
    assert 'rel="next" href="?page=2&amp;programs_page=4' not in page  # past the last


async def test_a_page_past_the_end_shows_the_last_and_a_bad_one_is_invalid():
    async with client(RegionFake()) as http:
        last = await http.get("/", params={"page": 99})
        bad = await http.get("/", params={"page": 0})
    assert shown(last.text, "regional") == PRISONS[100:120]
    assert bad.status_code == 400 and bad.json()["error"]["details"][0]["field"] == "page"


async def test_a_national_view_draws_a_line_per_kanwil_and_the_total():
    fake = RegionFake()
    async with client(fake) as http:
        page = (await http.get("/", params={"to": "2025-12-31", "lang": "en"})).text
    assert ("quarterly", {"by_kanwil": True, "quarters": 12}) in fake.keywords
    (attendance, *_, released) = charts(page)
    assert [s["name"] for s in attendance["series"]] == [
        "Kanwil Bali", "Kanwil Jawa Timur", "No regional office", "Total"]
    assert attendance["series"][0]["y"] == [0.75] * 12 and "hidden" not in attendance["series"][3]
    assert released["series"][3]["hidden"] is True  # a count: the total is in the legend only
    assert '<option value="lapas-119" >lapas-119</option>' in page  # 120: a select


async def test_a_national_list_of_prisons_is_typed_not_chosen():
    fake = RegionFake()
    fake.regional_rows = [{**PRISON, "prison_id": f"lapas-{n:04d}"} for n in range(301)]
    async with client(fake) as http:
        page = (await http.get("/", params={"lang": "en"})).text
    assert '<input type="text" name="prison_id" value=""' in page
    assert 'placeholder="type a prison id (301 prisons)"' in page
    assert '<option value="lapas-0001"' not in page and "rows 1–50 of 301" in page


async def test_a_kanwil_or_a_prison_view_draws_a_line_per_prison():
    fake = RegionFake()
    async with client(fake) as http:
        await http.get("/", params={"kanwil_id": JAVA})
        page = (await http.get("/", params={"prison_id": "lapas-007"})).text
    assert [kw["by_kanwil"] for c, kw in fake.keywords if c == "quarterly"] == [False, False]
    assert shown(page, "regional") == ["lapas-007"]


def test_a_pager_of_an_empty_table_or_one_page():
    empty = Pager.of("page", 3, 0, {})
    assert (empty.number, empty.first, empty.last, empty.link(1), empty.link(-1)) == (
        1, 0, 0, None, None)
    one = Pager.of("page", 1, 50, {"lang": "id"})
    assert (one.first, one.last, one.link(1)) == (1, 50, None)
    assert Pager.of("page", 2, 51, {"lang": "id"}).link(-1) == "?lang=id"


async def test_the_agreements_page_shows_a_page_and_reads_its_extensions_only():
    fake = RegionFake()
    async with client(fake) as http:
        page = (await http.get("/dashboard/agreements", params={"page": 3, "lang": "en"})).text
    section = page.split('id="agreements"')[1].split("</section>")[0]
    assert re.findall(r'data-col="number" data-value="&#34;PKS/([a-z0-9-]+)&#34;"', section) \
        == PRISONS[100:120]
    assert "rows 101–120 of 120" in section and 'rel="prev" href="?page=2&amp;lang=en"' in page
    audited = [c for c in fake.calls if c[0] == "audit"]
    assert len(audited) == 10  # the odd ones of the page's 20


def test_a_table_read_whole_is_cut_to_its_page():
    table = Table("t", "T", ("n",), [{"n": n} for n in range(75)]).paged("t_page", 2, {"x": "1"})
    assert [r["n"] for r in table.rows] == list(range(50, 75))
    assert table.pager.link(-1) == "?x=1" and table.pager.link(1) is None
