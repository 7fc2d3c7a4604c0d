"""`GET /intake`: the intake pipeline per prison (issue 13 §1; definitions in
services/reporting/read/intake.py)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel, Field

from services.reporting.http.access import Allowed
from services.reporting.http.download import period
from services.reporting.http.errors import responses
from services.reporting.http.evaluation import _window
from services.reporting.http.models import PrisonKey
from services.reporting.http.params import LIST_OK, AtPoint, FromQuery, Out, PrisonQuery, ToQuery
from services.reporting.read.port import ReadModel

_CUT = "Of the stays screened inside the window, those "


class IntakeItem(PrisonKey):
    """One prison's intake pipeline over the stays screened inside the window."""

    screened: int = Field(description="Stays (admissions and readmissions) screened inside "
                          "the window.")
    screened_low: int = Field(description="Of those, screened at low risk (drug education "
                              "only).")
    screened_moderate: int = Field(description="Of those, screened at moderate risk.")
    screened_high: int = Field(description="Of those, screened at high risk.")
    referred: int = Field(description=_CUT + "referred to an assessment.")
    assessed: int = Field(description=_CUT + "whose assessment was concluded.")
    placed: int = Field(description=_CUT + "with a placement decided (also after a wait).")
    placed_medical: int = Field(description="Of the placed, in the medical track.")
    placed_social: int = Field(description="Of the placed, in the social track.")
    placed_inside: int = Field(description="Of the placed, inside the prison.")
    placed_outside: int = Field(description="Of the placed, outside the prison.")
    waitlisted: int = Field(description=_CUT + "on the waiting list now (no decision yet).")
    refused: int = Field(description=_CUT + "whose pipeline ended in a refusal.")
    ineligible: int = Field(description=_CUT + "found ineligible.")
    decided: int = Field(description="Placement decisions (= placed): the timeliness "
                         "denominator.")
    days_to_decision_median: float | None = Field(
        description="Median calendar days from screening to placement decision; null when "
        "none was decided.")
    days_to_decision_max: int | None = Field(
        description="Longest calendar days from screening to placement decision; null when "
        "none was decided.")
    decided_within_14_working_days: int = Field(
        description="Decisions at most 14 working days (Monday–Friday after the screening day; "
        "public holidays are not known to Pulih) after the screening.")
    timeliness_rate: float | None = Field(
        ge=0, le=1, description="decided_within_14_working_days / decided, unrounded; null "
        "when none was decided.")


class IntakeList(BaseModel):
    items: list[IntakeItem]


INTAKE_COLUMNS = tuple(IntakeItem.model_fields)


def add_intake_routes(app: FastAPI, reads: ReadModel) -> None:
    @app.get(
        "/intake", response_model=IntakeList, operation_id="intake",
        summary="The intake pipeline per prison: screening to placement, and its timeliness",
        description="One row per prison with a stay screened inside the window `from`..`to` "
        "(by `screened_on`), ordered by prison_id: screenings by risk band, referrals, "
        "concluded assessments, placements (by track and setting), the waiting list, "
        "refusals, ineligibility, and days from screening to the head of the prison's "
        "placement decision (the 14-working-day rule). Later steps count as recorded at the "
        "report's point, whatever their dates. `?format=csv|xlsx` gives the rows as a file "
        "(`pulih-intake[-{prison_id}]-{from}_{to}`). 400 "
        "when `from` is after `to`.",
        responses={**LIST_OK, **responses(400, 401, 403, 404, 503)},
    )
    async def intake(
        *,
        prison_id: PrisonQuery = None,
        from_: FromQuery = None,
        to: ToQuery = None,
        out: Out,
        point: AtPoint,
        access: Allowed,
    ) -> Any:
        access.check(prison_id)
        schema, span = await _window(point, from_, to)
        items = await reads.intake(schema, span, prison_id, **access.rows())
        return out.listed(items, IntakeItem, ("intake", prison_id, period(from_, span.end)))
