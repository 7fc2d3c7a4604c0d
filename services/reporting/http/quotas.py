"""`GET /quotas`: target vs realised per prison, Kanwil or nation, filtered by the token."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import FastAPI, Query

from services.reporting.http.access import Access, Allowed
from services.reporting.http.errors import responses
from services.reporting.http.models import QuotaItem, QuotaList
from services.reporting.http.params import LIST_OK, AtPoint, Out
from services.reporting.read.port import ReadModel, Rows
from services.reporting.read.quotas import TRACKS, roll_up
from shared.errors import Detail, Rejected

Level = Literal["prison", "kanwil", "national"]


def add_quota_routes(app: FastAPI, reads: ReadModel) -> None:
    @app.get(
        "/quotas", response_model=QuotaList, operation_id="quotas",
        summary="Target vs realised (target vs realisasi) per prison, Kanwil or nation",
        description="One row per prison (or Kanwil, or the nation) and track for `year` "
        "(default: this year in WIB), ordered by kanwil_id (unassigned last), prison_id, track. "
        "`target` is the region's latest SetQuota (summed above prison level), `realised` the "
        "distinct participants enrolled in a program of the track in the year. A prison token "
        "sees its prisons' rows; a Kanwil row only when the token covers every prison of that "
        "Kanwil; `level=national` needs a token for every prison (`--all`), else 403. The "
        "Kanwil is each prison's latest assignment, for every year. `?format=csv|xlsx`: the "
        "same rows as a file (`pulih-quotas-{year}-{level}[-{track}]`).",
        responses={**LIST_OK, **responses(400, 401, 403, 404, 503)},
    )
    async def quotas(
        *,
        year: Annotated[int | None, Query(ge=2000, le=2100, description="The quota year; "
                                          "default this year (WIB).")] = None,
        level: Annotated[Level, Query(description="prison (default), kanwil or national.")]
        = "prison",
        track: Annotated[Literal["medical", "social", "post_rehabilitation"] | None, Query(
            description="Only this track.")] = None,
        out: Out,
        point: AtPoint,
        access: Allowed,
    ) -> Any:
        if level == "national" and access.prisons is not None:
            message = "the national roll-up needs a token for every prison (--all)"
            raise Rejected("forbidden", message, [Detail("level", message)])
        at = (await point()).found()
        year = year or at.today.year
        rows = await reads.quotas(at.schema, year, (track,) if track else TRACKS)
        return out.listed(visible(rows, level, access), QuotaItem,
                          ("quotas", year, level, track))


def visible(rows: Rows, level: Level, access: Access) -> Rows:
    """The rows of `level` the token may read: its prisons' rows; a Kanwil's roll-up only
    when it covers every prison of that Kanwil (a partial sum would mislead, a full one of
    prisons it does not cover would disclose them)."""
    if level == "prison":
        return [r for r in rows if access.allows(r["prison_id"])]
    if level == "national":
        return roll_up(rows, "national")
    hidden = {r["kanwil_id"] for r in rows if not access.allows(r["prison_id"])}
    if access.prisons is not None:
        hidden.add(None)  # the unassigned prisons are no region's: every-prison tokens only
    return roll_up([r for r in rows if r["kanwil_id"] not in hidden], "kanwil")
