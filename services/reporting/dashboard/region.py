"""`GET /`: the region: one row per prison, the programs per prison and partner, and charts
by quarter. Every number comes from the port calls `/regional` and `/evaluation` make, with
the same access filter."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse

from services.reporting.dashboard.page import (
    LangQuery,
    Page,
    PartnerQuery,
    PrisonQuery,
    Table,
    charts_json,
    reads,
)
from services.reporting.http.params import FromQuery, KanwilQuery, ToQuery, given
from services.reporting.read.figures import BEGINNING, Window

INDICATORS = ("enrolled", "active", "completed", "withdrawn", "completion_rate",
              "sessions_held", "attendance_rate", "hours_by_activity", "score_change",
              "released", "released_6m", "readmitted_6m", "released_12m", "readmitted_12m",
              "released_24m", "readmitted_24m")
PROGRAM_KEY = ("prison_id", "partner_id", "program_name")
QUARTERLY = ("attendance_rate", "completion_rate", "sessions_held", "enrolled", "released",
             "readmitted_12m")
MAX_QUARTERS = 12
PROGRAM_LINK = "/dashboard/programs/{program_id}?prison_id={prison_id}"

router = APIRouter()


def quarters(span: Window) -> list[Window]:
    """The calendar quarters of the window (the last MAX_QUARTERS; without a `from`, those
    of the two years before `to`'s), each cut to the window."""
    start = span.start if span.start > BEGINNING else date(span.end.year - 2, 1, 1)
    found, day = [], date(start.year, 3 * ((start.month - 1) // 3) + 1, 1)
    while day <= span.end:
        following = date(day.year + (day.month > 9), (day.month + 2) % 12 + 1, 1)
        found.append(Window(max(day, start), min(following - timedelta(days=1), span.end)))
        day = following
    return found[-MAX_QUARTERS:]


def label(q: Window) -> str:
    return f"{q.start.year}-Q{(q.start.month - 1) // 3 + 1}"


def quarterly_charts(page: Page, by_quarter: Sequence[tuple[str, list[dict[str, Any]]]]
                     ) -> list[dict[str, Any]]:
    """One chart per indicator: a line per prison over the quarters."""
    prisons = sorted({r["prison_id"] for _, rows in by_quarter for r in rows})
    w = page.render_words()
    return [{"id": f"chart-{name}", "title": w[name], "rate": name.endswith("_rate"),
             "x": [q for q, _ in by_quarter],
             "series": [{"name": p, "y": [next((r[name] for r in rows if r["prison_id"] == p),
                                                None) for _, rows in by_quarter]}
                        for p in prisons]}
            for name in QUARTERLY]


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
async def region(request: Request, from_: FromQuery = None, to: ToQuery = None,
                 prison_id: PrisonQuery = None, partner_id: PartnerQuery = None,
                 kanwil_id: KanwilQuery = None, lang: LangQuery = None) -> HTMLResponse:
    page = await Page.open(request, lang)
    page.access.check(prison_id)
    rows = page.access.rows()
    region_rows = {**rows, **given(kanwil_id=kanwil_id)}  # the Kanwil's prisons, in SQL
    span = Window.of(from_, to, page.point.today)
    schema, port = page.point.schema, reads(request)
    regional = await port.regional(schema, span, **region_rows)
    evaluation = await port.evaluation(schema, span, prison_id, partner_id, **region_rows)
    agreements = await port.agreements(schema, page.point.today, None, None, None, **rows)
    by_quarter = [(label(q), await port.regional(schema, q, **region_rows))
                  for q in quarters(span)]
    query = page.window_query(from_, to, kanwil_id=kanwil_id)
    page.filters.update(prison_id=prison_id, partner_id=partner_id)
    w = page.render_words()
    shown = [r for r in regional if prison_id in (None, r["prison_id"])]
    tables = [
        Table("regional", w["region"], ("prison_id", *INDICATORS, "agreements_active"), shown,
              "/regional", {**query, "prison_id": prison_id}),
        Table("evaluation", w["programs"], (*PROGRAM_KEY, *INDICATORS), evaluation,
              "/evaluation", {**query, "prison_id": prison_id, "partner_id": partner_id},
              links={"program_name": PROGRAM_LINK}),
    ]
    return page.render(
        "region.html", tables=tables, charts=charts_json(quarterly_charts(page, by_quarter)),
        prisons=sorted({r["prison_id"] for r in regional}),
        partners=sorted({(a["partner_id"], a["partner_name"]) for a in agreements}),
        kanwils=[(k["kanwil_id"], k["kanwil_name"]) for k in await port.kanwils(schema, **rows)])
