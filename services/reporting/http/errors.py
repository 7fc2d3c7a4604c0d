"""Every failure of the reporting API leaves in the contract's error body."""

from __future__ import annotations

from typing import Any

import asyncpg
import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException

from services.reporting.http.models import ErrorBody
from services.reporting.http.params import documented_order
from services.reporting.read.port import DEPENDENCY_DOWN
from shared.errors import Detail, Rejected

log = structlog.get_logger("reporting")
STATUS_OF_CODE = {"invalid": 400, "forbidden": 403, "not_found": 404, "conflict": 409,
                  "rule": 422, "unavailable": 503}


def reply(rejected: Rejected) -> JSONResponse:
    return JSONResponse(rejected.body(), status_code=STATUS_OF_CODE[rejected.code])


def responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the error statuses a route can return (500 on every route)."""
    what = {400: "Invalid parameter: a malformed value, a parameter the report does not take "
                 "(unknown) or one given more than once, or `from` after `to`; `details` name "
                 "the parameters.",
            401: "No valid bearer token (missing, malformed, expired or not signed by a "
                 "trusted key) while PULIH_HTTP_AUTH is on: the error body with code "
                 "`unauthenticated`, and `WWW-Authenticate: Bearer`.",
            403: "The token does not cover the prison asked for (`prison_id`), or the id "
                 "belongs only to prisons it does not cover: code `forbidden`.",
            404: "Not found.",
            503: "A dependency (PostgreSQL or NATS) is down; safe to retry.",
            500: "An unexpected failure inside the service (a database error, a bug): the "
                 "error body, code `unavailable`, its message naming the kind of error; the "
                 "service logs it. Retrying does not help until it is fixed."}
    return {c: {"model": ErrorBody, "description": what[c]} for c in (*codes, 500)}


async def _rejected(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Rejected)
    return reply(exc)


async def _validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    route = request.scope.get("route")
    if isinstance(route, APIRoute):
        # FastAPI validates a dependency's parameters (`as_of`) before the route's own: name
        # them in the order the route documents them, whoever declared them.
        order = {p: i for i, p in enumerate(documented_order(route.dependant))}
        errors.sort(key=lambda e: order.get(tuple(e["loc"][:2]), len(order)))
    details = [Detail(str(e["loc"][-1]) if e["loc"] else "", e["msg"]) for e in errors]
    fields = ", ".join(dict.fromkeys(d.field for d in details))
    return reply(Rejected("invalid", f"invalid request parameter: {fields}", details))


async def _http(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    code = {401: "unauthenticated", 404: "not_found", 503: "unavailable"}.get(
        exc.status_code, "invalid")
    body = Rejected(code, str(exc.detail)).body()  # type: ignore[arg-type]
    return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)


async def _failed(request: Request, exc: Exception) -> JSONResponse:
    # The kind of error only: a database message can quote the values it choked on.
    route = getattr(request.scope.get("route"), "path", "?")
    log.error("report_failed", route=route, error=type(exc).__name__,
              sqlstate=getattr(exc, "sqlstate", None))
    body = Rejected("unavailable", f"the report failed on an unexpected error "
                                   f"({type(exc).__name__}); it is logged").body()
    return JSONResponse(body, status_code=500)


async def _unavailable(_: Request, exc: Exception) -> JSONResponse:
    return reply(Rejected("unavailable", f"a dependency is unavailable, retry later "
                                         f"({type(exc).__name__})"))


def install(app: FastAPI) -> None:
    app.add_exception_handler(Rejected, _rejected)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(HTTPException, _http)
    for exc_type in DEPENDENCY_DOWN:
        app.add_exception_handler(exc_type, _unavailable)
    # Handled where raised (the other database errors), or last, by the server-error
    # middleware (anything else, which it re-raises for the server's own log).
    app.add_exception_handler(asyncpg.PostgresError, _failed)
    app.add_exception_handler(asyncpg.InterfaceError, _failed)
    app.add_exception_handler(Exception, _failed)
    _drop_422_from_openapi(app)


def _drop_422_from_openapi(app: FastAPI) -> None:
    """FastAPI documents its own 422 on every route with parameters; ours come out as 400."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = generate()
        for path in schema.get("paths", {}).values():
            for operation in path.values():
                operation.get("responses", {}).pop("422", None)
        for name in ("HTTPValidationError", "ValidationError"):
            schema.get("components", {}).get("schemas", {}).pop(name, None)
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
