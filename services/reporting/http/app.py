"""The reporting HTTP API: thin routes over the read-model port."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Annotated, Any

from fastapi import FastAPI, Path, Query

from services.reporting.dashboard import assets as dashboard
from services.reporting.http import errors
from services.reporting.http.access import Access, Allowed, open_access
from services.reporting.http.errors import responses
from services.reporting.http.evaluation import add_evaluation_routes
from services.reporting.http.intake import add_intake_routes
from services.reporting.http.metrics import add_metrics_route
from services.reporting.http.models import (
    SLUG,
    UUID,
    AggregateType,
    AgreementItem,
    AgreementList,
    AgreementStatus,
    AuditEvent,
    AuditTrail,
    Health,
)
from services.reporting.http.params import (
    LIST_OK,
    STRICT_RULES,
    AtPoint,
    Out,
    PrisonOfIdQuery,
    PrisonQuery,
    StrictRoute,
    one_prison,
)
from services.reporting.http.programs import add_program_routes
from services.reporting.http.quotas import add_quota_routes
from services.reporting.http.recidivism import add_recidivism_routes
from services.reporting.read.asof import resolve
from services.reporting.read.port import ReadModel
from shared.errors import not_found
from shared.store import Recorded

AUDIT_FIELDS = ("type", "aggregate_version", "occurred_at", "recorded_at", "actor", "command_id",
                "correlation_id", "causation_id", "prev_hash", "hash", "data")


def audit_event(record: Recorded) -> dict[str, Any]:
    return {"seq": record.seq, **{k: record.envelope[k] for k in AUDIT_FIELDS}}


@dataclass(frozen=True)
class ReportingDeps:
    """What the app reads through, and "today" (in WIB) for a report's default `to`."""

    reads: ReadModel
    clock: Callable[[], datetime]
    live_schema: str = "readmodel"
    # A request's bearer token (None: none given) -> the prisons it may read; raises 401.
    authorize: Callable[[str | None], Access] = open_access


def create_app(deps: ReportingDeps) -> FastAPI:
    app = FastAPI(
        docs_url=None, redoc_url=None,  # /docs is the dashboard's, from packaged files
        title="Pulih reporting",
        version="1",
        description="Read-only reports over the Pulih event log. Every report also answers "
        "`?format=csv` (`&bom=1`: with a UTF-8 byte-order mark, for Excel) and `?format=xlsx`, "
        "a file named in its `Content-Disposition`. Failures carry "
        "`{ok: false, error: {code, message, details}}`. "
        + STRICT_RULES + " With PULIH_HTTP_AUTH on (the default unless the service listens on "
        "a loopback address), every route but `/health` (and the Prometheus text at `/metrics`, "
        "which holds no ids and no personal data) needs `Authorization: Bearer TOKEN` "
        "(401 `unauthenticated` without a valid one); a token sees only its prisons' rows, and "
        "a `prison_id` or an id of another prison is 403 `forbidden`. The regional dashboard "
        "(HTML, Bahasa Indonesia or `?lang=en`) is at `/`; its sign-in (`/signin`) keeps the "
        "token in an HttpOnly, SameSite=Strict cookie that every report also accepts.",
    )
    app.router.route_class = StrictRoute  # before any route is added
    errors.install(app)
    app.state.resolve_point = partial(resolve, deps.reads, deps.live_schema, deps.clock)
    app.state.authorize = deps.authorize
    reads = deps.reads

    @app.get("/health", response_model=Health, operation_id="health", summary="Projection lag",
             description="For each projection, the last stream sequence it applied and how far "
             "it lags behind the end of the event stream.", responses=responses(400, 503))
    async def health() -> Any:
        return await reads.health()

    add_metrics_route(app, reads)

    @app.get(
        "/agreements", response_model=AgreementList, operation_id="list_agreements",
        summary="Cooperation agreements (PKS)",
        description="One item per agreement, ordered by prison_id, signed_on, agreement_id. "
        "`status` and `days_left` are computed for today's date in WIB. `?format=csv|xlsx`: "
        "the same rows as a file (`pulih-agreements[-{prison_id}][-{partner_id}][-{status}]"
        "-{today}`).",
        responses={**LIST_OK, **responses(400, 401, 403, 404, 503)},
    )
    async def agreements(
        *,
        prison_id: PrisonQuery = None,
        partner_id: Annotated[str | None, Query(pattern=SLUG, description="Only this partner.")]
        = None,
        status: Annotated[AgreementStatus | None, Query(description="Only this status.")] = None,
        out: Out,
        point: AtPoint,
        access: Allowed,
    ) -> Any:
        access.check(prison_id)
        at = (await point()).found()
        items = await reads.agreements(at.schema, at.today, prison_id, partner_id, status,
                                       **access.rows())
        return out.listed(items, AgreementItem, ("agreements", prison_id, partner_id, status,
                                                 at.today.isoformat()))

    add_program_routes(app, reads)

    @app.get(
        "/audit/{aggregate_type}/{aggregate_id}", response_model=AuditTrail, operation_id="audit",
        summary="An aggregate's events, from the log",
        description="Every event of one aggregate straight from the event log, in order, with "
        "its hash chain (`prev_hash`, `hash`). With `as_of`, only the events the replay had "
        "applied (stream sequence up to its checkpoint). `?format=csv|xlsx`: one row per event "
        "(`data` as compact JSON; the times as recorded, as text) in a file named "
        "`pulih-audit-{aggregate_type}-{aggregate_id}`.",
        responses={**LIST_OK, **responses(400, 401, 403, 404, 503)},
    )
    async def audit(
        *,
        aggregate_type: Annotated[AggregateType, Path(description="The kind of aggregate.")],
        aggregate_id: Annotated[str, Path(pattern=UUID, description="Lowercase UUID.")],
        prison_id: PrisonOfIdQuery = None,
        out: Out,
        point: AtPoint,
        access: Allowed,
    ) -> Any:
        access.check(prison_id)
        last_seq = (await point()).found().last_seq
        records = await reads.audit(aggregate_type, aggregate_id, prison_id)
        if last_seq is not None:  # the trail as the replay knew it
            records = [r for r in records if r.seq <= last_seq]
        if not records:
            raise not_found(f"no {aggregate_type} {aggregate_id}")
        records = access.visible(records, lambda r: r.envelope["prison_id"], aggregate_type)
        records = one_prison(records, lambda r: r.envelope["prison_id"], aggregate_type)
        events = [audit_event(r) for r in records]
        if out.format == "json":
            return {"events": events}
        return out.file(events, AuditEvent, ("audit", aggregate_type, aggregate_id))

    add_evaluation_routes(app, reads)
    add_intake_routes(app, reads)
    add_recidivism_routes(app, reads)
    add_quota_routes(app, reads)
    dashboard.install(app)
    return app

