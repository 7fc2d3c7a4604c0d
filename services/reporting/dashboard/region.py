"""`GET /`: the region (one row per prison, the programs per prison and partner, charts by
quarter) and `GET /dashboard/programs/{id}`: one program. Every number comes from the same
port calls `/regional`, `/evaluation`, `/programs/{id}` make, with the same access filter."""

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
from services.reporting.http.params import FromQuery, ToQuery
from services.reporting.http.programs import ProgramId
from services.reporting.read.figures import BEGINNING, Window
from shared.errors import not_found

INDICATORS = ("enrolled", "active", "completed", "withdrawn", "completion_rate",
              "sessions_held", "attendance_rate", "hours_by_activity", "score_change",
              "released", "released_6m", "readmitted_6m", "released_12m", "readmitted_12m",
              "released_24m", "readmitted_24m")
PROGRAM_KEY = ("prison_id", "partner_id", "program_name")
QUARTERLY = ("attendance_rate", "completion_rate", "sessions_held")
MAX_QUARTERS = 12
MAX_MONTHS = 24
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
                 lang: LangQuery = None) -> HTMLResponse:
    page = await Page.open(request, lang)
    page.access.check(prison_id)
    rows = page.access.rows()
    span = Window.of(from_, to, page.point.today)
    schema, port = page.point.schema, reads(request)
    regional = await port.regional(schema, span, **rows)
    evaluation = await port.evaluation(schema, span, prison_id, partner_id, **rows)
    agreements = await port.agreements(schema, page.point.today, None, None, None, **rows)
    by_quarter = [(label(q), await port.regional(schema, q, **rows)) for q in quarters(span)]
    query = page.window_query(from_, to)
    page.filters.update(prison_id=prison_id, partner_id=partner_id)
    w = page.render_words()
    shown = [r for r in regional if prison_id in (None, r["prison_id"])]
    tables = [
        Table("regional", w["region"], ("prison_id", *INDICATORS, "agreements_active"), shown,
              "/regional", query),
        Table("evaluation", w["programs"], (*PROGRAM_KEY, *INDICATORS), evaluation,
              "/evaluation", {**query, "prison_id": prison_id, "partner_id": partner_id},
              links={"program_name": PROGRAM_LINK}),
    ]
    return page.render(
        "region.html", tables=tables, charts=charts_json(quarterly_charts(page, by_quarter)),
        prisons=sorted({r["prison_id"] for r in regional}),
        partners=sorted({(a["partner_id"], a["partner_name"]) for a in agreements}))


def months(start: date, end: date) -> list[Window]:
    found, day = [], date(start.year, start.month, 1)
    while day <= end:
        following = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
        found.append(Window(max(day, start), min(following - timedelta(days=1), end)))
        day = following
    return found


@router.get("/dashboard/programs/{program_id}", response_class=HTMLResponse,
            include_in_schema=False)
async def program(request: Request, program_id: ProgramId, prison_id: PrisonQuery = None,
                  lang: LangQuery = None) -> HTMLResponse:
    page = await Page.open(request, lang)
    page.access.check(prison_id)
    schema, port = page.point.schema, reads(request)
    found = page.access.visible(await port.program(schema, program_id, prison_id),
                                lambda r: r["prison_id"], "program")
    if not found:
        raise not_found(f"no program {program_id}")
    report = found[0]
    prison = report["prison_id"]
    today = page.point.today
    span = Window.of(None, today, today)
    evaluation = [r for r in await port.evaluation(schema, span, prison, None)
                  if r["program_id"] == program_id]
    committed = await committed_per_month(port, report["agreement_id"], prison)
    roster = await port.roster(schema, prison, program_id)
    monthly = []
    for m in months(*first_and_last(roster, today)):
        rows = await port.evaluation(schema, m, prison, None)
        held = next((r["sessions_held"] for r in rows if r["program_id"] == program_id), 0)
        monthly.append({"month": m.start.strftime("%Y-%m"), "sessions_held": held,
                        "committed": committed})
    w = page.render_words()
    one = {"prison_id": prison}
    tables = [
        Table("program", report["name"], (*PROGRAM_KEY, *INDICATORS), evaluation,
              "/evaluation", one),
        Table("monthly", w["sessions_by_month"], ("month", "sessions_held", "committed"),
              monthly),
        Table("roster", w["roster"], ("participant_id", "status", "enrolled_on", "left_on",
                                      "phase"), roster,
              f"/programs/{program_id}/participants", one),
    ]
    chart = {"id": "chart-monthly", "title": w["sessions_by_month"], "rate": False,
             "x": [m["month"] for m in monthly],
             "series": [{"name": w["held"], "y": [m["sessions_held"] for m in monthly],
                         "bar": True},
                        {"name": w["committed"], "y": [committed] * len(monthly)}]}
    return page.render("program.html", report=report, tables=tables,
                       charts=charts_json([chart]))


def first_and_last(roster: list[dict[str, Any]], today: date) -> tuple[date, date]:
    """The months a program ran: from its first enrolment to its last participant's leaving
    (today while someone is active), the last MAX_MONTHS at most."""
    if not roster:
        return today.replace(day=1), today
    start = min(date.fromisoformat(str(r["enrolled_on"])) for r in roster)
    left = [r["left_on"] for r in roster]
    end = today if None in left else max(date.fromisoformat(str(d)) for d in left)
    earliest = date(end.year - MAX_MONTHS // 12, end.month, 1)
    return max(start, earliest), min(end, today)


async def committed_per_month(port: Any, agreement_id: str, prison: str) -> int | None:
    """The agreement's committed sessions per month, as its signing and latest amendment that
    names it say (from the log, as /audit reads it)."""
    committed = None
    for record in await port.audit("agreement", agreement_id, prison):
        data = record.envelope["data"]
        source = data.get("changes", data) if record.envelope["type"] != "AgreementSigned" \
            else data
        if "committed_sessions_per_month" in source:
            committed = source["committed_sessions_per_month"]
    return committed
