"""`GET /`: the region: one row per prison, the programs per prison and partner, each a page at
a time (issue 15), and charts by quarter. Every number comes from the port calls `/regional`
and `/evaluation` make, with the same access filter; a page's rows are those prisons' and
programs' rows of the unfiltered reports (see read/evaluation.py)."""

from __future__ import annotations

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
from services.reporting.dashboard.paging import PageQuery, Pager
from services.reporting.dashboard.quarterly import by_kanwil, charts, quarters
from services.reporting.http.params import FromQuery, KanwilQuery, ToQuery, given
from services.reporting.read.figures import Window

INDICATORS = ("enrolled", "active", "completed", "withdrawn", "completion_rate",
              "sessions_held", "attendance_rate", "hours_by_activity", "score_change",
              "released", "released_6m", "readmitted_6m", "released_12m", "readmitted_12m",
              "released_24m", "readmitted_24m")
PROGRAM_KEY = ("prison_id", "partner_id", "program_name")
PROGRAM_LINK = "/dashboard/programs/{program_id}?prison_id={prison_id}"

router = APIRouter()


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
async def region(request: Request, from_: FromQuery = None, to: ToQuery = None,
                 prison_id: PrisonQuery = None, partner_id: PartnerQuery = None,
                 kanwil_id: KanwilQuery = None, lang: LangQuery = None, page: PageQuery = 1,
                 programs_page: PageQuery = 1) -> HTMLResponse:
    view = await Page.open(request, lang)
    view.access.check(prison_id)
    rows = view.access.rows()
    region_rows = {**rows, **given(kanwil_id=kanwil_id)}  # the Kanwil's prisons, in SQL
    span = Window.of(from_, to, view.point.today)
    schema, port, query = view.point.schema, reads(request), dict(request.query_params)
    listed = await port.prison_ids(schema, span.end, **region_rows)
    shown = [p for p in listed if prison_id in (None, p)]
    prisons = Pager.of("page", page, len(shown), query)
    regional = (await port.regional(schema, span, prisons=prisons.rows(shown))
                if shown else [])
    keys = await port.program_keys(schema, prison_id, partner_id, **region_rows)
    programs = Pager.of("programs_page", programs_page, len(keys), query)
    wanted = set(programs.rows(keys))
    evaluation = [r for r in await port.evaluation(
        schema, span, prison_id, partner_id, prisons=sorted({p for p, _ in wanted}))
        if (r["prison_id"], r["program_id"]) in wanted] if wanted else []
    kanwils = await port.kanwils(schema, **rows)
    w = view.render_words()
    lines = by_kanwil(bool(prison_id or kanwil_id), len(listed), len(kanwils))
    spans = quarters(span)
    counts = await port.quarterly(schema, spans, lines, **region_rows,
                                  **given(prison_id=prison_id))
    names = {k["kanwil_id"]: k["kanwil_name"] for k in kanwils} | {None: w["no_kanwil"]}
    report_query = view.window_query(from_, to, kanwil_id=kanwil_id)
    view.filters.update(prison_id=prison_id, partner_id=partner_id)
    tables = [
        Table("regional", w["region"], ("prison_id", *INDICATORS, "agreements_active"),
              regional, "/regional", {**report_query, "prison_id": prison_id}, pager=prisons),
        Table("evaluation", w["programs"], (*PROGRAM_KEY, *INDICATORS), evaluation,
              "/evaluation", {**report_query, "prison_id": prison_id, "partner_id": partner_id},
              links={"program_name": PROGRAM_LINK}, pager=programs),
    ]
    return view.render(
        "region.html", tables=tables,
        charts=charts_json(charts(spans, counts, names if lines else {}, lines, w)),
        prisons=listed,
        partners=await port.partners(schema, **rows),
        kanwils=[(k["kanwil_id"], k["kanwil_name"]) for k in kanwils])
