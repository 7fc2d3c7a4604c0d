"""`GET /evaluation` and `GET /regional`: the regional office's evaluation reports."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from typing import Annotated, Any

from fastapi import FastAPI, Query

from services.reporting.http.access import Allowed
from services.reporting.http.download import period
from services.reporting.http.errors import responses
from services.reporting.http.models import (
    SLUG,
    EvaluationItem,
    EvaluationList,
    RegionalItem,
    RegionalList,
)
from services.reporting.http.params import (
    LIST_OK,
    AtPoint,
    FromQuery,
    KanwilQuery,
    Out,
    PrisonQuery,
    ToQuery,
    given,
)
from services.reporting.read.asof import Point
from services.reporting.read.figures import Window
from services.reporting.read.port import ReadModel

WINDOW_DOC = (" The window `from`..`to` limits sessions (by their WIB day), urine tests "
              "(by tested_on), completions, withdrawals and releases; `to` also bounds "
              "enrolments and assessments. Rates and means are unrounded and recomputed from "
              "numerators and denominators. "
              "`?format=csv|xlsx` gives the rows as a file, objects as compact JSON cells "
              "(`pulih-{report}[-{prison_id}][-{partner_id}][-{kanwil_id}]-{from}_{to}`, "
              "`to-{to}` when `from` is not given). 400 when `from` is after `to`.")


def add_evaluation_routes(app: FastAPI, reads: ReadModel) -> None:
    @app.get(
        "/evaluation", response_model=EvaluationList, operation_id="evaluation",
        summary="Evaluation of every program",
        description="One row per program (ordered by prison_id, starts_on, program_id): "
        "participants, completion, sessions, hours, attendance, score change (score "
        "instruments only: urine_test assessments are left out), recidivism after release "
        "(6, 12, 24 calendar months), then urine tests, positivity and violations." + WINDOW_DOC,
        responses={**LIST_OK, **responses(400, 401, 403, 404, 503)},
    )
    async def evaluation(
        *,
        prison_id: PrisonQuery = None,
        partner_id: Annotated[str | None, Query(
            pattern=SLUG, description="Only programs under an agreement with this partner.")]
        = None,
        kanwil_id: KanwilQuery = None,
        from_: FromQuery = None,
        to: ToQuery = None,
        out: Out,
        point: AtPoint,
        access: Allowed,
    ) -> Any:
        access.check(prison_id)
        schema, span = await _window(point, from_, to)
        items = await reads.evaluation(schema, span, prison_id, partner_id, **access.rows(),
                                       **given(kanwil_id=kanwil_id))
        return out.listed(items, EvaluationItem, ("evaluation", prison_id, partner_id,
                                                  kanwil_id, period(from_, span.end)), exact=True)

    @app.get(
        "/regional", response_model=RegionalList, operation_id="regional",
        summary="Evaluation per prison",
        description="One row per prison with a program or an agreement, ordered by prison_id: "
        "its programs' counts summed (participations: someone in two programs counts twice), "
        "rates and score means recomputed from the summed numerators and denominators, and "
        "`agreements_active`. `prison_id` and `kanwil_id` keep those prisons' rows, each equal "
        "to its row of the unfiltered report." + WINDOW_DOC,
        responses={**LIST_OK, **responses(400, 401, 403, 404, 503)},
    )
    async def regional(
        *,
        prison_id: PrisonQuery = None,
        kanwil_id: KanwilQuery = None,
        from_: FromQuery = None,
        to: ToQuery = None,
        out: Out,
        point: AtPoint,
        access: Allowed,
    ) -> Any:
        access.check(prison_id)
        schema, span = await _window(point, from_, to)
        items = await reads.regional(schema, span, **access.rows(),
                                     **given(prison_id=prison_id, kanwil_id=kanwil_id))
        return out.listed(items, RegionalItem,
                          ("regional", prison_id, kanwil_id, period(from_, span.end)), exact=True)


async def _window(point: Callable[[], Awaitable[Point]], from_: date | None, to: date | None
                  ) -> tuple[str, Window]:
    """The schema to read and the window, `to` defaulting to the point's day; a bad window is
    answered (400) before an unknown replay (404)."""
    at = await point()
    span = Window.of(from_, to, at.today)
    return at.found().schema, span
