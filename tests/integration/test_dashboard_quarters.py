"""The region page's reads (issue 15) answer what `/regional` and `/evaluation` answer, against a
real PostgreSQL: test_rollup_equality's seeded sessions and memberships (enrolments again,
corrections, fourteen months) and test_evaluation_sql's hand-computed scenario (releases,
readmissions, agreements), four prisons in two Kanwil and none.

- Each quarterly line (a prison, or a Kanwil) holds, per quarter, the sums of its prisons'
  `/regional` rows over that quarter's window; attended / counted (the attendance rate's terms)
  the sums of its programs' figures; a prison's rates are its `/regional` row's.
- The prisons and programs listed are the rows of `/regional` and `/evaluation`, in order; the
  partners those of `/agreements`.
"""

from collections import Counter
from datetime import date
from functools import cache

import pytest

from services.reporting.dashboard.quarterly import quarters
from services.reporting.read.evaluation import evaluation_report, program_figures, regional_report
from services.reporting.read.figures import BEGINNING, Window, ratio
from services.reporting.read.listing import partners, prison_ids, program_keys
from services.reporting.read.quarterly import COUNTS, quarterly_counts
from services.reporting.read.queries import list_agreements
from tests.integration.test_evaluation_sql import GENNESA, LRPPN, Log, X, Y, apply, scenario, uid
from tests.integration.test_rollup_equality import seeded_log

pytestmark = pytest.mark.pg

K1, K2 = "kanwil-satu", "kanwil-dua"
KANWIL_OF = {"lapas-a": K1, X: K1, "lapas-b": K2}  # Y: assigned to none
WINDOWS = [Window(BEGINNING, date(2026, 10, 31)), Window(date(2025, 2, 10), date(2025, 11, 5)),
           Window(date(2024, 12, 15), date(2025, 1, 25)),
           Window(date(2025, 3, 15), date(2025, 4, 10)), Window(BEGINNING, date(2025, 6, 30)),
           Window(BEGINNING, date(2025, 8, 20)), Window(date(2025, 1, 20), date(2025, 9, 17))]


def assignments() -> list[dict]:
    log = Log()
    for prison, kanwil in KANWIL_OF.items():
        log.add(prison, "prison", uid(), "KanwilAssigned", {
            "kanwil_id": kanwil, "kanwil_name": kanwil.title(), "assigned_on": "2024-01-01"},
            "2024-01-01")
    return log.events


@cache
def log() -> list[dict]:  # built once: the ids test_evaluation_sql hands out are finite
    return seeded_log(3)[0] + scenario() + assignments()


@pytest.fixture
async def region(conn):
    await apply(conn, log(), batch_sizes=(40, 7))
    return conn


async def expected(conn, q: Window, line_of) -> dict:
    """Per line: the sums of its prisons' `/regional` rows over `q`, attended / counted of its
    programs' figures."""
    out: dict = {}
    for row in await regional_report(conn, q):
        sums = out.setdefault(line_of(row["prison_id"]), Counter({c: 0 for c in COUNTS}))
        sums.update({c: row[c] for c in COUNTS if c in row})
    programs = await conn.fetch("SELECT prison_id, program_id FROM programs")
    figures = await program_figures(conn, [(p["prison_id"], p["program_id"]) for p in programs], q)
    for (prison, _), f in figures.items():
        out[line_of(prison)].update(attended=f.attended, counted=f.counted)
    return out


@pytest.mark.parametrize("window", WINDOWS)
@pytest.mark.parametrize("by_kanwil", [True, False])
async def test_each_line_sums_its_prisons_regional_rows_per_quarter(region, window, by_kanwil):
    spans = quarters(window)
    got = await quarterly_counts(region, spans, by_kanwil)
    line_of = KANWIL_OF.get if by_kanwil else (lambda prison: prison)
    for i, q in enumerate(spans):
        want = await expected(region, q, line_of)
        assert {r["line"]: {c: r[c] for c in COUNTS} for r in got if r["quarter"] == i} == want, q
        if by_kanwil:
            continue
        for row in await regional_report(region, q):  # a prison's rates are its row's
            (mine,) = [r for r in got if r["quarter"] == i and r["line"] == row["prison_id"]]
            assert ratio(mine["attended"], mine["counted"]) == row["attendance_rate"]
            assert ratio(mine["completed"], mine["enrolled"]) == row["completion_rate"]


async def test_the_quarters_are_not_all_zero(region):
    got = await quarterly_counts(region, quarters(WINDOWS[0]), True)
    totals = sum((Counter({c: r[c] for c in COUNTS}) for r in got), Counter())
    assert all(totals[c] > 0 for c in COUNTS), totals
    assert {r["line"] for r in got} == {K1, K2, None}


async def test_filters_narrow_the_lines_as_they_narrow_regional(region):
    spans = quarters(WINDOWS[1])
    everything = await quarterly_counts(region, spans, False)
    for kw, lines in (({"kanwil_id": K1}, {"lapas-a", X}), ({"prison_id": Y}, {Y}),
                      ({"prisons": ["lapas-b", Y], "kanwil_id": K2}, {"lapas-b"}),
                      ({"kanwil_id": "kanwil-nowhere"}, set())):
        assert await quarterly_counts(region, spans, False, **kw) == [
            r for r in everything if r["line"] in lines], kw


@pytest.mark.parametrize("window", WINDOWS[:3])
async def test_the_lists_are_the_reports_rows_in_order(region, window):
    for kw in ({}, {"kanwil_id": K1}, {"prisons": [Y, "lapas-b"]}, {"kanwil_id": "nowhere"}):
        rows = await regional_report(region, window, **kw)
        assert await prison_ids(region, window.end, **kw) == [r["prison_id"] for r in rows]
    for prison, partner, kw in ((None, None, {}), (X, None, {}), (None, GENNESA, {}),
                                (None, LRPPN, {"kanwil_id": K1}), (None, None, {"prisons": [Y]})):
        rows = await evaluation_report(region, window, prison, partner, **kw)
        assert await program_keys(region, prison, partner, **kw) == [
            (r["prison_id"], r["program_id"]) for r in rows]
    for kw in ({}, {"prisons": [Y]}):
        items = await list_agreements(region, window.end, **kw)
        assert await partners(region, **kw) == sorted(
            {(a["partner_id"], a["partner_name"]) for a in items})
