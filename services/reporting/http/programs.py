"""`GET /programs/{program_id}` and its roster `GET /programs/{program_id}/participants`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import FastAPI, Path

from services.reporting.http.access import Access, Allowed
from services.reporting.http.errors import responses
from services.reporting.http.models import (
    PROGRAM_COLUMNS,
    ROSTER_COLUMNS,
    UUID,
    ProgramReport,
    Roster,
)
from services.reporting.http.params import (
    LIST_OK,
    AtPoint,
    FormatQuery,
    PrisonOfIdQuery,
    one_prison,
)
from services.reporting.http.tabular import csv_response, listed
from services.reporting.read.port import ReadModel
from shared.errors import not_found

ProgramId = Annotated[str, Path(pattern=UUID, description="Lowercase UUID.")]


def add_program_routes(app: FastAPI, reads: ReadModel) -> None:
    async def one_program(schema: str, program_id: str, prison_id: str | None,
                          access: Access) -> dict[str, Any]:
        """The `/programs/{id}` body of the one program of that id this request means: 404
        when none, 403 when only in prisons the token does not cover, 400 when in several."""
        access.check(prison_id)
        found = await reads.program(schema, program_id, prison_id)
        if not found:
            raise not_found(f"no program {program_id}")
        found = access.visible(found, lambda r: r["prison_id"], "program")
        return one_prison(found, lambda r: r["prison_id"], "program")[0]

    @app.get(
        "/programs/{program_id}", response_model=ProgramReport, operation_id="get_program",
        summary="One program: its cohort and attendance figures",
        description="A program (a cohort under an agreement) with its participant counts, "
        "held sessions and attendance rate, its track and phase plan and how many active "
        "participants are in each phase, from the read model. `?format=csv` gives the same "
        "fields as one CSV row (the plan and the counts as compact JSON cells).",
        responses={**LIST_OK, **responses(400, 401, 403, 404, 503)},
    )
    async def program(
        *,
        program_id: ProgramId,
        prison_id: PrisonOfIdQuery = None,
        format: FormatQuery = "json",
        point: AtPoint,
        access: Allowed,
    ) -> Any:
        report = await one_program((await point()).found().schema, program_id, prison_id,
                                   access)
        if format == "csv":
            return csv_response([report], PROGRAM_COLUMNS)
        return report

    @app.get(
        "/programs/{program_id}/participants", response_model=Roster,
        operation_id="program_participants", summary="A program's roster, with phases",
        description="One item per participant ever enrolled in the program, by their latest "
        "enrolment (ordered by enrolled_on, participant_id): status, dates, and the phase of "
        "the plan they are in (or were in when they left) and since when. Pseudonyms only. "
        "Found as `/programs/{program_id}` finds the program (`prison_id`, 403, 404).",
        responses={**LIST_OK, **responses(400, 401, 403, 404, 503)},
    )
    async def participants(
        *,
        program_id: ProgramId,
        prison_id: PrisonOfIdQuery = None,
        format: FormatQuery = "json",
        point: AtPoint,
        access: Allowed,
    ) -> Any:
        schema = (await point()).found().schema
        report = await one_program(schema, program_id, prison_id, access)
        items = await reads.roster(schema, report["prison_id"], program_id)
        return listed(items, format, ROSTER_COLUMNS)
