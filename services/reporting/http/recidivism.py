"""`GET /recidivism` (release cohorts × follow-up windows) and `GET /recidivism/stock` (the
ministry's stock-based figure, a different measure)."""

from __future__ import annotations

from dataclasses import astuple, dataclass
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Query

from services.reporting.http.access import Allowed
from services.reporting.http.errors import responses
from services.reporting.http.models import SLUG, UUID
from services.reporting.http.params import LIST_OK, AtPoint, Out, QueryDay, ToQuery
from services.reporting.http.programs import find_program
from services.reporting.http.recidivism_models import (
    RecidivismItem,
    RecidivismList,
    StockItem,
    StockList,
)
from services.reporting.read.port import ReadModel
from services.reporting.read.recidivism import WINDOWS, Graduates
from shared.errors import Detail, Rejected

PrisonQuery = Annotated[str | None, Query(
    pattern=SLUG, description="Only this (releasing) prison.")]
RowsPrisonQuery = Annotated[str | None, Query(
    pattern=SLUG, description="Only this (releasing) prison. With `program_id`, also the "
    "program's prison: program ids are unique within a prison only, so it is required (400 "
    "`invalid`, detail on `prison_id`) when the id exists in several prisons; 404 when that "
    "prison has no such program.")]


@dataclass(frozen=True)
class GraduateFilters:
    """`/recidivism`'s graduate filters as the request gave them."""

    graduated_in: int | None
    program_id: str | None
    partner_id: str | None


def _graduate_filters(
    graduated_in: Annotated[int | None, Query(
        ge=1900, le=2999, description="Only graduates of this year: people who completed a "
        "program (`ParticipantCompleted`) dated in this calendar year, in the releasing "
        "prison, on or before the release counted. The cohort stays the release year.")
    ] = None,
    program_id: Annotated[str | None, Query(
        pattern=UUID, description="Only graduates of this program (lowercase UUID): people "
        "who completed it, in the releasing prison (the program's), on or before the release "
        "counted. 404 when no such program; 403 when it is only in prisons the token does not "
        "cover.")] = None,
    partner_id: Annotated[str | None, Query(
        pattern=SLUG, description="Only graduates of programs under this partner's agreements "
        "(program → agreement of the same prison → partner), completed in the releasing "
        "prison on or before the release counted.")] = None,
) -> GraduateFilters:
    return GraduateFilters(graduated_in, program_id, partner_id)


Graduating = Annotated[GraduateFilters, Depends(_graduate_filters)]


def add_recidivism_routes(app: FastAPI, reads: ReadModel) -> None:
    @app.get(
        "/recidivism", response_model=RecidivismList, operation_id="recidivism",
        summary="Recidivism per release cohort and follow-up window",
        description="One row per releasing prison × release cohort (calendar year) × "
        "follow-up window (6, 12, 24, 36 calendar months), ordered by prison_id, cohort, "
        "window_months, for every prison and year with a release or a transfer out. A person "
        "is their pseudonym, followed through every prison; transfers are not releases and "
        "the arrival after a transfer is not a return. Numerators, denominators and "
        "exclusions are each a column; see their descriptions. Nothing dated after `to` "
        "counts. `graduated_in`, `program_id` and `partner_id` (combinable) narrow every "
        "column, `transfers` included, to programme graduates: people with a completion "
        "(`ParticipantCompleted`) matching them, in the releasing prison, on or before the "
        "release (or transfer) counted; the cohort stays the release year, so last year's "
        "graduates are `graduated_in=<last year>` over every cohort (`cohort` omitted). "
        "`?format=csv|xlsx` gives the same rows as a file (`pulih-recidivism[-{prison_id}]"
        "[-{cohort}][-{window}m][-graduated-{year}][-{program_id}][-{partner_id}]-to-{to}`).",
        responses={**LIST_OK, **responses(400, 401, 403, 404, 503)},
    )
    async def recidivism(
        *,
        cohort: Annotated[int | None, Query(ge=1900, le=2999, description="Only this release "
                                            "year.")] = None,
        prison_id: RowsPrisonQuery = None,
        window: Annotated[int | None, Query(
            description="Only this follow-up window, in calendar months: 6, 12, 24 or 36.",
            json_schema_extra={"enum": list(WINDOWS)})] = None,
        to: ToQuery = None,
        graduating: Graduating,
        out: Out,
        point: AtPoint,
        access: Allowed,
    ) -> Any:
        if window is not None and window not in WINDOWS:
            message = "window must be one of 6, 12, 24, 36 (calendar months)"
            raise Rejected("invalid", message, [Detail("window", message)])
        access.check(prison_id)
        at = (await point()).found()
        end = to or at.today
        graduated_in, program_id, partner_id = astuple(graduating)
        only: dict[str, Any] = {}
        if (graduated_in, program_id, partner_id) != (None, None, None):
            of = None if program_id is None else (await find_program(
                reads, access, at.schema, program_id, prison_id))["prison_id"]
            only = {"graduates": Graduates(graduated_in, of, program_id, partner_id)}
        items = await reads.recidivism(at.schema, end, cohort, window, prison_id,
                                       **access.rows(), **only)
        months = f"{window}m" if window is not None else None
        year = f"graduated-{graduated_in}" if graduated_in is not None else None
        return out.listed(items, RecidivismItem,
                          ("recidivism", prison_id, cohort, months, year, program_id,
                           partner_id, f"to-{end.isoformat()}"))

    @app.get(
        "/recidivism/stock", response_model=StockList, operation_id="recidivism_stock",
        summary="Stock-based repeat-offender share (the ministry's figure)",
        description="A different measure from /recidivism: per prison, of the people in "
        "custody there on `on`, how many have an earlier release (not a transfer, not "
        "revoked) from any prison. It depends on who is inside that day, not on what becomes "
        "of a release cohort. Ordered by prison_id. `?format=csv|xlsx` gives the same rows "
        "as a file (`pulih-recidivism-stock[-{prison_id}]-{on}`).",
        responses={**LIST_OK, **responses(400, 401, 403, 404, 503)},
    )
    async def recidivism_stock(
        *,
        on: Annotated[QueryDay | None, Query(description="The day counted (YYYY-MM-DD); "
                                             "default today in WIB (UTC+7).")] = None,
        prison_id: PrisonQuery = None,
        out: Out,
        point: AtPoint,
        access: Allowed,
    ) -> Any:
        access.check(prison_id)
        at = (await point()).found()
        day = on or at.today
        items = await reads.recidivism_stock(at.schema, day, prison_id, **access.rows())
        return out.listed(items, StockItem, ("recidivism-stock", prison_id, day.isoformat()))
