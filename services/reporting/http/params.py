"""What every report route shares: strict query strings, the `format`, `as_of` and date
parameters, and the point `?as_of=` names, resolved once per request."""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable, Coroutine, Iterator, Sequence
from functools import partial
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Query, Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from pydantic import WithJsonSchema

from services.reporting.http.download import FILE_CONTENT, Output
from services.reporting.http.models import SLUG, Format
from services.reporting.read.asof import ASOF_NAME, Point
from shared.errors import Detail, Rejected
from shared.fields import Day

STRICT_RULES = ("A report takes only the query parameters it documents, each at most once: "
                "an unknown parameter (a typo such as `prison` for `prison_id`) or one given "
                "more than once is 400 `invalid`, its `details` naming each such parameter. "
                "Dates are `YYYY-MM-DD` only (no timestamps, no times).")
DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}$"


def _names(dependant: Dependant, kind: str) -> Iterator[str]:
    yield from (field.alias for field in getattr(dependant, f"{kind}_params"))
    for sub in dependant.dependencies:
        yield from _names(sub, kind)


def documented_order(dependant: Dependant) -> list[tuple[str, str]]:
    """`(kind, name)` of a route's path and query parameters, in its OpenAPI order (those its
    dependencies declare after its own)."""
    return [(kind, name) for kind in ("path", "query") for name in _names(dependant, kind)]


def check_query(items: list[tuple[str, str]], allowed: frozenset[str]) -> None:
    """Raises `invalid` naming every parameter not in `allowed` or given more than once."""
    counts = Counter(name for name, _ in items)
    details = [Detail(name[:64], "unknown parameter; this report takes: "
                      + (", ".join(sorted(allowed)) or "none"))
               for name in counts if name not in allowed]
    details += [Detail(name, f"given {n} times; give it once")
                for name, n in counts.items() if n > 1 and name in allowed]
    if details:
        names = ", ".join(d.field for d in details)
        raise Rejected("invalid", f"unknown or repeated query parameter: {names}", details)


class StrictRoute(APIRoute):
    """A route whose query string holds only the parameters its signature declares, each once:
    a parameter added to a route is accepted by adding it to the signature, nothing else."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        allowed = frozenset(_names(self.dependant, "query"))
        handle = super().get_route_handler()

        async def strict(request: Request) -> Response:
            check_query(request.query_params.multi_items(), allowed)
            return await handle(request)

        return strict


T = TypeVar("T")

FormatQuery = Annotated[Format, Query(description=(
    "`json` (default); `csv`: the same rows as CSV, header first, objects and lists as compact "
    "JSON cells; `xlsx`: the same rows and columns as one sheet of typed cells (dates as "
    "dates, numbers as numbers, null empty, objects and lists as compact JSON text), header "
    "row frozen. Text starting `=`, `+`, `-`, `@`, tab or CR is written as text (CSV: a "
    "leading `'`). A file comes with `Content-Disposition: attachment; filename=\"pulih-…\"`."))]
BomQuery = Annotated[bool, Query(description=(
    "With `format=csv`: start the file with a UTF-8 byte-order mark, so that Excel reads its "
    "text (Indonesian names, dashes) as UTF-8. Ignored by the other formats."))]


def _output(format: FormatQuery = "json", bom: BomQuery = False) -> Output:
    return Output(format, bom)


# The report's `?format=` and `?bom=`.
Out = Annotated[Output, Depends(_output)]
AsOfQuery = Annotated[str | None, Query(
    pattern=ASOF_NAME, description="Read the replay `pulih replay --until … --into <name>` "
    "built (schema `asof_<name>`) instead of the live read model; 404 when there is none. "
    "The report is dated as of the replay's point: statuses and a default `to` are those of "
    "that day, so a past report is reproduced byte for byte.")]
# A day exactly as YYYY-MM-DD: pydantic's own `date` also reads "0" or a Unix timestamp.
QueryDay = Annotated[Day, WithJsonSchema({"type": "string", "format": "date",
                                          "pattern": DATE_PATTERN})]
FromQuery = Annotated[QueryDay | None, Query(
    alias="from", description="First day of the "
    "window (inclusive, YYYY-MM-DD); default: no lower bound. Limits sessions, completions, "
    "withdrawals and releases. 400 `invalid` when `from` after `to` (or after today when `to` "
    "is not given).")]
ToQuery = Annotated[QueryDay | None, Query(
    description="Last day of the window "
    "(inclusive, YYYY-MM-DD), the evaluation date: nothing dated after it counts. Default: "
    "today in WIB (UTC+7). Must not be before `from`.")]
PrisonOfIdQuery = Annotated[str | None, Query(
    pattern=SLUG, description="The prison whose aggregate of this id is meant: ids are unique "
    "within a prison only. Required (400 `invalid`, detail on `prison_id`) when the id exists "
    "in several prisons; 404 when that prison has none.")]
PrisonQuery = Annotated[str | None, Query(pattern=SLUG, description="Only this prison.")]
KanwilQuery = Annotated[str | None, Query(
    pattern=SLUG, description="Only the prisons whose latest AssignKanwil names this Kanwil "
    "(regional office); an unknown Kanwil gives no rows (not 404). With a prison token: its "
    "prisons of that Kanwil.")]


def given(**filters: str | None) -> dict[str, str]:
    """The filters a request gave, as the port's keywords: a filter not given is not passed,
    so the port's default (no filter) applies."""
    return {name: value for name, value in filters.items() if value is not None}
LIST_OK: dict[int | str, dict[str, Any]] = {
    200: {"content": FILE_CONTENT,
          "description": "JSON, or a file: CSV with `?format=csv`, XLSX with `?format=xlsx`.",
          "headers": {"Content-Disposition": {
              "description": "With a file only: `attachment; filename=\"pulih-{report}-…"
              ".{csv|xlsx}\"` (ASCII letters, digits, `.`, `_`, `-`).",
              "schema": {"type": "string"}}}}}


def _point(request: Request, as_of: AsOfQuery = None) -> Callable[[], Awaitable[Point]]:
    return partial(request.app.state.resolve_point, as_of)


# The report's point (`?as_of=`), resolved when the route awaits it, once: FastAPI runs a
# dependency before it validates the route's own parameters, and a malformed request must be
# answered 400 without reading the database.
AtPoint = Annotated[Callable[[], Awaitable[Point]], Depends(_point)]


def one_prison(found: Sequence[T], prison_of: Callable[[T], str], what: str) -> Sequence[T]:
    """`found` when it all belongs to one prison; else 400 `invalid` on `prison_id` (the id
    exists in several prisons and the request did not say which). The other prisons are not
    named: a report never shows one prison what another holds unless asked by name."""
    prisons = {prison_of(item) for item in found}
    if len(prisons) > 1:
        message = f"this {what} id exists in {len(prisons)} prisons: give prison_id"
        raise Rejected("invalid", message, [Detail("prison_id", message)])
    return found
