"""`GET /programs/{program_id}` and its roster `GET /programs/{program_id}/participants`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Path, Request

from services.reporting.http.access import Access, Allowed
from services.reporting.http.errors import responses
from services.reporting.http.models import UUID, ProgramReport
from services.reporting.http.params import (
    LIST_OK,
    AtPoint,
    Out,
    PrisonOfIdQuery,
    one_prison,
)
from services.reporting.http.plan_models import Roster, RosterItem
from services.reporting.read.port import ReadModel
from shared.errors import not_found

ProgramId = Annotated[str, Path(pattern=UUID, description="Lowercase UUID.")]
RESPONSES = {**LIST_OK, **responses(400, 401, 403, 404, 503)}
Found = tuple[str, dict[str, Any]]  # the read-model schema, the program's report


async def _finder(request: Request, program_id: ProgramId, point: AtPoint, access: Allowed,
                  prison_id: PrisonOfIdQuery = None) -> Callable[[], Awaitable[Found]]:
    """The one program of that id the request means, found when the route awaits it (after
    every parameter is validated, as `AtPoint`): 404 when none, 403 when only in prisons the
    token does not cover, 400 when in several and `prison_id` is not given."""
    reads: ReadModel = request.app.state.reads

    async def find() -> Found:
        access.check(prison_id)
        schema = (await point()).found().schema
        return schema, await find_program(reads, access, schema, program_id, prison_id)

    return find


async def find_program(reads: ReadModel, access: Access, schema: str, program_id: str,
                       prison_id: str | None) -> dict[str, Any]:
    """The one program of that id the request means: 404 when none, 403 when only in prisons
    the token does not cover, 400 when in several and `prison_id` is not given."""
    found = await reads.program(schema, program_id, prison_id)
    if not found:
        raise not_found(f"no program {program_id}")
    found = access.visible(found, lambda r: r["prison_id"], "program")
    return one_prison(found, lambda r: r["prison_id"], "program")[0]


OneProgram = Annotated[Callable[[], Awaitable[Found]], Depends(_finder)]


def add_program_routes(app: FastAPI, reads: ReadModel) -> None:
    app.state.reads = reads

    @app.get(
        "/programs/{program_id}", response_model=ProgramReport, operation_id="get_program",
        summary="One program: its cohort and attendance figures",
        description="A program (a cohort under an agreement) with its participant counts, "
        "held sessions and attendance rate, its track and phase plan and how many active "
        "participants are in each phase, from the read model. `?format=csv|xlsx` gives the "
        "same fields as one row of a file (the plan and the counts as compact JSON cells; "
        "`pulih-program-{prison_id}-{program_id}`).",
        responses=RESPONSES,
    )
    async def program(*, found: OneProgram, out: Out) -> Any:
        _, report = await found()
        if out.format == "json":
            return report
        return out.file([report], ProgramReport, ("program", *_names(report)))

    @app.get(
        "/programs/{program_id}/participants", response_model=Roster,
        operation_id="program_participants", summary="A program's roster, with phases",
        description="One item per participant ever enrolled in the program, by their latest "
        "enrolment (ordered by enrolled_on, participant_id): status, dates, and the phase of "
        "the plan they are in (or were in when they left) and since when. Pseudonyms only. "
        "Found as `/programs/{program_id}` finds the program (`prison_id`, 403, 404). "
        "`?format=csv|xlsx`: the same rows as a file "
        "(`pulih-participants-{prison_id}-{program_id}`).",
        responses=RESPONSES,
    )
    async def participants(*, found: OneProgram, out: Out) -> Any:
        schema, report = await found()
        items = await reads.roster(schema, report["prison_id"], program_id=report["program_id"])
        return out.listed(items, RosterItem, ("participants", *_names(report)))


def _names(report: dict[str, Any]) -> tuple[str, str]:
    return report["prison_id"], report["program_id"]
