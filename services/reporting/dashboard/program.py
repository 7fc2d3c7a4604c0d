"""`GET /dashboard/programs/{id}`: one program's indicators (its `/evaluation` row), its held
sessions per month and activity against the agreement's committed sessions per month, and its
roster with each participant's attendance. Found and filtered as `/programs/{id}` is."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse

from services.reporting.dashboard.page import (
    LangQuery,
    Page,
    PrisonQuery,
    Table,
    charts_json,
    reads,
)
from services.reporting.dashboard.region import INDICATORS, PROGRAM_KEY
from services.reporting.http.programs import ProgramId
from services.reporting.read.figures import Window
from shared.errors import not_found

ROSTER = ("participant_id", "status", "enrolled_on", "left_on", "phase", "attended",
          "counted", "attendance_rate")

router = APIRouter()


@router.get("/dashboard/programs/{program_id}", response_class=HTMLResponse,
            include_in_schema=False)
async def program(request: Request, program_id: ProgramId, prison_id: PrisonQuery = None,
                  lang: LangQuery = None) -> HTMLResponse:
    page = await Page.open(request, lang)
    page.access.check(prison_id)
    schema, port, today = page.point.schema, reads(request), page.point.today
    found = page.access.visible(await port.program(schema, program_id, prison_id),
                                lambda r: r["prison_id"], "program")
    if not found:
        raise not_found(f"no program {program_id}")
    report = found[0]
    prison = report["prison_id"]
    evaluation = [r for r in await port.evaluation(schema, Window.of(None, today, today),
                                                    prison, None)
                  if r["program_id"] == program_id]
    committed = await committed_per_month(port, report["agreement_id"], prison)
    figures = await port.program_sessions(schema, prison, program_id, today)
    activities = sorted({m["activity"] for m in figures["months"]})
    monthly = by_month(figures["months"], activities, committed)
    roster = [{**r, **figures["attendance"].get(r["participant_id"], {})}
              for r in await port.roster(schema, prison, program_id)]
    w = page.render_words()
    one = {"prison_id": prison}
    tables = [
        Table("program", report["name"], (*PROGRAM_KEY, *INDICATORS), evaluation,
              "/evaluation", one),
        Table("monthly", w["sessions_by_month"],
              ("month", *activities, "sessions_held", "committed"), monthly),
        Table("roster", w["roster"], ROSTER, roster, f"/programs/{program_id}/participants",
              one),
    ]
    chart = {"id": "chart-monthly", "title": w["sessions_by_month"], "rate": False,
             "stack": True, "x": [m["month"] for m in monthly],
             "series": [{"name": a, "y": [m[a] for m in monthly], "bar": True}
                        for a in activities]
             + [{"name": w["committed"], "y": [committed] * len(monthly)}]}
    return page.render("program.html", report=report, tables=tables,
                       charts=charts_json([chart]))


def by_month(rows: list[dict[str, Any]], activities: list[str], committed: int | None
             ) -> list[dict[str, Any]]:
    """One row per month with sessions: held per activity, their total, and the commitment."""
    months: dict[str, dict[str, Any]] = defaultdict(
        lambda: dict.fromkeys(activities, 0) | {"sessions_held": 0})
    for r in rows:
        month = months[r["month"]]
        month[r["activity"]] = r["held"]
        month["sessions_held"] += r["held"]
    return [{"month": m, **v, "committed": committed} for m, v in sorted(months.items())]


async def committed_per_month(port: Any, agreement_id: str, prison: str) -> int | None:
    """The agreement's committed sessions per month, as its signing and the latest amendment
    that changes it say (from the log, as /audit reads it)."""
    committed = None
    for record in await port.audit("agreement", agreement_id, prison):
        data = record.envelope["data"]
        source = data if record.envelope["type"] == "AgreementSigned" else \
            data.get("changes") or {}
        if "committed_sessions_per_month" in source:
            committed = source["committed_sessions_per_month"]
    return committed
