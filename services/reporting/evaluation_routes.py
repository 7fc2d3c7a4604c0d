"""`GET /evaluation` and `GET /regional`: the regional office's evaluation reports."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import FastAPI, Query

from services.reporting.deps import ReportingDeps
from services.reporting.edge import (
    LIST_OK,
    AsOfQuery,
    FormatQuery,
    FromQuery,
    ReadModels,
    ToQuery,
)
from services.reporting.figures import Window
from services.reporting.http_errors import responses
from services.reporting.models import (
    EVALUATION_COLUMNS,
    REGIONAL_COLUMNS,
    SLUG,
    EvaluationList,
    RegionalList,
)
from services.reporting.tabular import csv_response

WINDOW_DOC = (" The window `from`..`to` limits sessions (by their WIB day), completions, "
              "withdrawals and releases; `to` also bounds enrolments and assessments. Rates and "
              "means are unrounded and recomputed from numerators and denominators. "
              "`?format=csv` gives the rows as CSV, objects as compact JSON cells. 400 when "
              "`from` is after `to`.")


def add_evaluation_routes(app: FastAPI, deps: ReportingDeps, readmodels: ReadModels) -> None:
    async def window(from_: date | None, to: date | None, as_of: str | None) -> Window:
        return Window.of(from_, to, await readmodels.today(as_of))

    @app.get(
        "/evaluation", response_model=EvaluationList, operation_id="evaluation",
        summary="Evaluation of every program",
        description="One row per program (ordered by prison_id, starts_on, program_id): "
        "participants, completion, sessions, hours, attendance, score change and recidivism "
        "after release (6, 12, 24 calendar months)." + WINDOW_DOC,
        responses={**LIST_OK, **responses(400, 404, 503)},
    )
    async def evaluation(
        prison_id: Annotated[str | None, Query(pattern=SLUG, description="Only this prison.")]
        = None,
        partner_id: Annotated[str | None, Query(
            pattern=SLUG, description="Only programs under an agreement with this partner.")]
        = None,
        from_: FromQuery = None,
        to: ToQuery = None,
        format: FormatQuery = "json",
        as_of: AsOfQuery = None,
    ) -> Any:
        span = await window(from_, to, as_of)
        items = await deps.evaluation(await readmodels.schema(as_of), span, prison_id,
                                      partner_id)
        if format == "csv":
            return csv_response(items, EVALUATION_COLUMNS)
        return {"items": items}

    @app.get(
        "/regional", response_model=RegionalList, operation_id="regional",
        summary="Evaluation per prison",
        description="One row per prison with a program or an agreement, ordered by prison_id: "
        "its programs' counts summed (participations: someone in two programs counts twice), "
        "rates and score means recomputed from the summed numerators and denominators, and "
        "`agreements_active`." + WINDOW_DOC,
        responses={**LIST_OK, **responses(400, 404, 503)},
    )
    async def regional(
        from_: FromQuery = None,
        to: ToQuery = None,
        format: FormatQuery = "json",
        as_of: AsOfQuery = None,
    ) -> Any:
        span = await window(from_, to, as_of)
        items = await deps.regional(await readmodels.schema(as_of), span)
        if format == "csv":
            return csv_response(items, REGIONAL_COLUMNS)
        return {"items": items}
