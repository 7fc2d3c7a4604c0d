"""`GET /dashboard/pathway` (target vs realised, the intake pipeline, recidivism by release
cohort) and `GET /dashboard/agreements` (status, days left, extensions), from the port calls
`/quotas`, `/intake`, `/recidivism` and `/agreements` make, filtered as they filter."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse

from services.reporting.dashboard.page import (
    LangQuery,
    Page,
    PartnerQuery,
    PrisonQuery,
    charts_json,
    reads,
)
from services.reporting.dashboard.paging import PageQuery, Pager
from services.reporting.dashboard.tables import Table
from services.reporting.http.params import FromQuery, ToQuery
from services.reporting.http.quotas import visible
from services.reporting.read.figures import Window
from services.reporting.read.quotas import TRACKS

router = APIRouter()
QUOTAS = ("prison_id", "track", "target", "realised", "realisation_rate")
INTAKE = ("prison_id", "screened", "placed", "waitlisted", "decided", "days_to_decision_median",
          "timeliness_rate")
RECIDIVISM = ("prison_id", "cohort", "window_months", "released", "followed", "returned",
              "recidivism_rate")
AGREEMENTS = ("prison_id", "partner_name", "number", "status", "effective_until", "days_left",
              "extensions")
EXTENSIONS = ("number", "signed_on", "effective_until")


@router.get("/dashboard/pathway", response_class=HTMLResponse, include_in_schema=False)
async def pathway(request: Request, from_: FromQuery = None, to: ToQuery = None,
                  prison_id: PrisonQuery = None, lang: LangQuery = None,
                  quotas_page: PageQuery = 1, intake_page: PageQuery = 1,
                  recidivism_page: PageQuery = 1) -> HTMLResponse:
    page = await Page.open(request, lang)
    page.access.check(prison_id)
    span = Window.of(from_, to, page.point.today)
    schema, port, rows = page.point.schema, reads(request), page.access.rows()
    year = span.end.year
    quotas = [r for r in visible(await port.quotas(schema, year, TRACKS), "prison", page.access)
              if prison_id in (None, r["prison_id"])]
    intake = await port.intake(schema, span, prison_id, **rows)
    recidivism = await port.recidivism(schema, span.end, None, None, prison_id, **rows)
    query = page.window_query(from_, to, prison_id=prison_id)
    to_only = {"to": query["to"], "prison_id": prison_id}
    w = page.render_words()
    shown = dict(request.query_params)
    tables = [
        Table("quotas", f'{w["quotas"]} {year}', QUOTAS, quotas, "/quotas", {"year": year}
              ).paged("quotas_page", quotas_page, shown),
        Table("intake", w["intake"], INTAKE, intake, "/intake", query
              ).paged("intake_page", intake_page, shown),
        Table("recidivism", w["recidivism"], RECIDIVISM, recidivism, "/recidivism", to_only
              ).paged("recidivism_page", recidivism_page, shown),
    ]
    bars = tables[0].rows  # the quotas' page
    chart = {"id": "chart-quotas", "title": w["quotas"], "rate": False,
             "x": [f'{r["prison_id"]} · {r["track"]}' for r in bars],
             "series": [{"name": w[k], "y": [r[k] for r in bars], "bar": True}
                        for k in ("target", "realised")]}
    return page.render("tables.html", heading=w["pathway"], tables=tables,
                       charts=charts_json([chart] if quotas else []),
                       prisons=await _prisons(page), partners=None)


@router.get("/dashboard/agreements", response_class=HTMLResponse, include_in_schema=False)
async def agreements(request: Request, prison_id: PrisonQuery = None,
                     partner_id: PartnerQuery = None, lang: LangQuery = None,
                     page: PageQuery = 1) -> HTMLResponse:
    view = await Page.open(request, lang)
    view.access.check(prison_id)
    schema, port = view.point.schema, reads(request)
    everything = await port.agreements(schema, view.point.today, prison_id, partner_id, None,
                                       **view.access.rows())
    pager = Pager.of("page", page, len(everything), dict(request.query_params))
    items = list(pager.rows(everything))  # the page's: their extensions are read from the log
    history = []
    for item in (i for i in items if i["extensions"]):
        for record in await port.audit("agreement", item["agreement_id"], item["prison_id"]):
            if record.envelope["type"] == "AgreementExtended":
                data = record.envelope["data"]
                history.append({"number": item["number"], "signed_on": data["signed_on"],
                                "effective_until": data["effective_until"]})
    for item in items:
        item["expiring"] = item["status"] == "expiring"
    view.filters.update(prison_id=prison_id, partner_id=partner_id)
    w = view.render_words()
    tables = [
        Table("agreements", w["agreements"], AGREEMENTS, items, "/agreements",
              {"prison_id": prison_id, "partner_id": partner_id}, highlight="expiring",
              pager=pager),
        Table("extensions", w["extensions_history"], EXTENSIONS, history),
    ]
    return view.render("tables.html", heading=w["agreements"], tables=tables,
                       charts=charts_json([]),
                       note=w["expiring_note"], prisons=await _prisons(view),
                       partners=await port.partners(schema, **view.access.rows()))


async def _prisons(page: Page) -> list[str]:
    """The prisons the filter offers: those with a program or an agreement this token sees."""
    return await reads(page.request).prison_ids(page.point.schema, page.point.today,
                                                **page.access.rows())
