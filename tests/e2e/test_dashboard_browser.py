"""The dashboard in a real headless Chromium over the running stack with the demo loaded: every
page loads without console errors and without a request leaving the machine, its tables show
what `/regional`, `/evaluation` and the other reports answer for the same filters, the language
switch is remembered, and with auth on a prison's token signs in and sees only its prison.
A screenshot of each page is written under the test's temporary directory."""

import json
from datetime import date, timedelta

import pytest

from ops.tokens import ensure_token_key, issue_token, scope_of
from services.reporting.dashboard.paging import PAGE_ROWS
from tests.e2e.browser import Watch, browser, demo, open_context  # noqa: F401

pytestmark = [pytest.mark.nats, pytest.mark.pg]
WINDOW = "from=2025-01-01&to=2025-12-31"


async def visit(browser, base, path, shots, name, watch=None):  # noqa: F811
    watch = watch or Watch()
    context = await open_context(browser, watch)
    page = await context.new_page()
    response = await page.goto(base + path, wait_until="networkidle")
    assert response.status == 200, await page.content()
    await page.screenshot(path=str(shots / f"{name}.png"), full_page=True)
    return page, watch


async def table(page, key):
    """Per row of the table, {column: (data-value parsed, shown text)}."""
    rows = await page.eval_on_selector_all(
        f'table[data-table="{key}"] tbody tr',
        "trs => trs.map(tr => Array.from(tr.cells).map(td => "
        "[td.dataset.col, td.dataset.value, td.innerText.trim()]))")
    return [{c: (json.loads(v), text) for c, v, text in row} for row in rows]


def same_numbers(shown, items):
    """The page shows the report's rows in its order, each shown column's value equal to the
    report's, integers and rates written as the Indonesian page writes them."""
    assert len(shown) == len(items)
    for row, item in zip(shown, items, strict=True):
        for column, (value, text) in row.items():
            assert value == item[column], (column, value, item[column])
            if isinstance(value, int) and not isinstance(value, bool):
                assert text.replace(".", "") == str(value)
            elif column.endswith("_rate") and value is not None:
                assert text == f"{value * 100:.1f}".replace(".", ",") + " %"


@pytest.fixture(scope="module")
def base(stack):
    return str(stack.http.base_url).rstrip("/")


@pytest.fixture(scope="module")
def shots(tmp_path_factory):
    return tmp_path_factory.mktemp("dashboard-screenshots")


@pytest.mark.parametrize("query", ["", "?" + WINDOW])
async def test_the_region_shows_regional_and_evaluation(stack, demo, browser, base, shots,  # noqa: F811
                                                        query):
    page, watch = await visit(browser, base, "/" + query, shots, f"region{len(query)}")
    regional = (await stack.http.get("/regional" + query)).json()["items"]
    evaluation = (await stack.http.get("/evaluation" + query)).json()["items"]
    same_numbers(await table(page, "regional"), regional)
    same_numbers(await table(page, "evaluation"), evaluation)
    assert set(demo) <= {r["prison_id"][0] for r in await table(page, "regional")}
    assert await page.locator(".chart .main-svg").count() >= 3  # plotly drew the charts
    links = await page.eval_on_selector_all("#regional a.download", "as => as.map(a => a.href)")
    assert {link.rsplit("format=", 1)[1] for link in links} == {"csv", "xlsx"}
    csv, xlsx = [await stack.http.get(link.replace(base, "")) for link in links]
    assert csv.status_code == 200 and csv.text.startswith("prison_id,")
    assert xlsx.status_code == 200 and xlsx.content.startswith(b"PK")  # a zip: the workbook
    assert await page.locator("#freshness").get_attribute("data-lag") is not None
    watch.clean()


async def test_filters_by_prison_and_partner(stack, demo, browser, base, shots):  # noqa: F811
    prison = demo[0]
    agreements = (await stack.http.get(f"/agreements?prison_id={prison}")).json()["items"]
    partner = agreements[-1]["partner_id"]
    query = f"?{WINDOW}&prison_id={prison}&partner_id={partner}"
    page, watch = await visit(browser, base, "/" + query, shots, "region-filtered")
    evaluation = (await stack.http.get("/evaluation" + query)).json()["items"]
    same_numbers(await table(page, "evaluation"), evaluation)
    assert evaluation and {r["partner_id"] for r in evaluation} == {partner}
    assert {r["prison_id"][0] for r in await table(page, "regional")} == {prison}
    watch.clean()


async def test_program_pathway_agreements_and_docs_pages(stack, demo, browser, base,  # noqa: F811
                                                         shots):
    prison = demo[0]
    evaluation = (await stack.http.get(f"/evaluation?prison_id={prison}")).json()["items"]
    program = evaluation[0]
    page, watch = await visit(browser, base, f"/dashboard/programs/{program['program_id']}"
                              f"?prison_id={prison}", shots, "program")
    same_numbers(await table(page, "program"), [program])
    roster = (await stack.http.get(f"/programs/{program['program_id']}/participants"
                                   f"?prison_id={prison}")).json()["items"]
    assert [r["participant_id"][0] for r in await table(page, "roster")] == [
        r["participant_id"] for r in roster]
    monthly = await table(page, "monthly")
    assert sum(r["sessions_held"][0] for r in monthly) == program["sessions_held"]
    for row in monthly:  # each month's sessions are /evaluation's over that month
        first = date.fromisoformat(row["month"][0] + "-01")
        last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        month = (await stack.http.get(f"/evaluation?prison_id={prison}&from={first}"
                                      f"&to={last}")).json()["items"]
        (held,) = [r["sessions_held"] for r in month if r["program_id"] == program["program_id"]]
        activities = [v for c, (v, _) in row.items()
                      if c not in ("month", "sessions_held", "committed")]
        assert row["sessions_held"][0] == held == sum(activities)
    shown_roster = await table(page, "roster")
    attended = sum(r["attended"][0] or 0 for r in shown_roster)
    counted = sum(r["counted"][0] or 0 for r in shown_roster)
    assert attended / counted == pytest.approx(program["attendance_rate"], abs=1e-12)
    page, _ = await visit(browser, base, "/dashboard/pathway", shots, "pathway", watch)
    intake = (await stack.http.get("/intake")).json()["items"]
    assert len(await table(page, "intake")) == min(len(intake), PAGE_ROWS)  # the first page
    recidivism = (await stack.http.get("/recidivism")).json()["items"]
    assert len(await table(page, "recidivism")) == min(len(recidivism), PAGE_ROWS)
    page, _ = await visit(browser, base, f"/dashboard/agreements?prison_id={prison}", shots,
                          "agreements", watch)
    shown = await table(page, "agreements")
    agreements = (await stack.http.get(f"/agreements?prison_id={prison}")).json()["items"]
    assert [r["number"][0] for r in shown] == [a["number"] for a in agreements]
    expiring = [a["status"] == "expiring" for a in agreements]
    classes = await page.eval_on_selector_all('table[data-table="agreements"] tbody tr',
                                              "trs => trs.map(tr => tr.className)")
    assert [c == "highlight" for c in classes] == expiring
    extended = sum(a["extensions"] for a in agreements)
    assert len(await table(page, "extensions")) == extended
    page, _ = await visit(browser, base, "/docs", shots, "docs", watch)
    await page.wait_for_selector(".opblock", timeout=10_000)  # Swagger UI rendered the API
    watch.clean()


async def test_the_language_switch_is_remembered(demo, browser, base, shots):  # noqa: F811
    page, watch = await visit(browser, base, "/", shots, "region-id")
    assert await page.get_attribute("html", "lang") == "id"
    assert "Wilayah" in await page.inner_text("nav")
    await page.click("#lang-switch")
    await page.wait_for_load_state("networkidle")
    assert await page.get_attribute("html", "lang") == "en"
    await page.goto(base + "/dashboard/pathway", wait_until="networkidle")
    assert await page.get_attribute("html", "lang") == "en"  # the cookie remembers it
    assert "Region" in await page.inner_text("nav")
    await page.screenshot(path=str(shots / "pathway-en.png"), full_page=True)
    watch.clean()


async def test_sign_in_with_a_token_sees_only_its_prison(demo, browser, secured_reports,  # noqa: F811
                                                         shots):
    base, creds = secured_reports
    token = issue_token(ensure_token_key(creds), scope_of(demo[0]), timedelta(hours=1))
    watch = Watch()
    context = await open_context(browser, watch)
    page = await context.new_page()
    await page.goto(base + "/", wait_until="networkidle")
    assert page.url.endswith("/signin")  # no token: the page asks for one
    await page.fill("#token", "not-a-token")
    await page.click("#signin")
    assert await page.locator("#error").count() == 1
    assert [e for e in watch.errors if "401" not in e] == []  # the refused sign-in is a 401
    watch.errors.clear()
    await page.fill("#token", token)
    await page.click("#signin")
    await page.wait_for_load_state("networkidle")
    await page.screenshot(path=str(shots / "signed-in.png"), full_page=True)
    assert page.url.rstrip("/") == base
    assert {r["prison_id"][0] for r in await table(page, "regional")} == {demo[0]}
    assert {r["prison_id"][0] for r in await table(page, "evaluation")} == {demo[0]}
    (cookie,) = [c for c in await context.cookies() if c["name"] == "pulih_token"]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    for path, key in (("/dashboard/pathway", "recidivism"), ("/dashboard/agreements",
                                                             "agreements")):
        await page.goto(base + path, wait_until="networkidle")
        assert {r["prison_id"][0] for r in await table(page, key)} == {demo[0]}, path
    other = await page.goto(f"{base}/?prison_id={demo[1]}")
    assert other.status == 403  # another prison's page is refused, as its report is
    assert [e for e in watch.errors if "403" not in e] == []
    watch.errors.clear()
    # The cookie opens the JSON reports too, filtered the same way.
    report = await page.goto(base + "/regional")
    assert {r["prison_id"] for r in json.loads(await report.text())["items"]} == {demo[0]}
    await page.goto(base + "/", wait_until="networkidle")
    await page.click("header form button")  # sign out
    await page.wait_for_load_state("networkidle")
    assert page.url.endswith("/signin")
    watch.clean()
