"""What the reporting HTTP app needs from the outside, as small async callables.

The app only calls these; the composition root builds them from the pool and the event store,
and unit tests pass hand-written fakes.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

import asyncpg
import nats.errors
import nats.js.errors

from services.reporting.evaluation import evaluation_report, regional_report
from services.reporting.figures import Window
from services.reporting.queries import list_agreements, program_report
from shared.envelope import WIB
from shared.layout import stamp_of
from shared.store import Recorded, StoreUnavailable


class AgreementsQuery(Protocol):
    async def __call__(
        self, schema: str, prison_id: str | None, partner_id: str | None, status: str | None
    ) -> list[dict[str, Any]]:
        """The contract's agreement items from read-model `schema`, filtered and ordered."""
        ...


class HealthQuery(Protocol):
    async def __call__(self) -> dict[str, Any]:
        """`{"projections": {name: {"last_seq", "lag"}}, "stream_last_seq": n}`."""
        ...


class AuditQuery(Protocol):
    async def __call__(self, aggregate_type: str, aggregate_id: str, prison_id: str | None
                       ) -> list[Recorded]:
        """The events of the aggregates of that id straight from the log, in order, in
        `prison_id` only when given (else in every prison); empty when there are none."""
        ...


class ProgramQuery(Protocol):
    async def __call__(self, schema: str, program_id: str, prison_id: str | None
                       ) -> list[dict[str, Any]]:
        """The contract's `/programs/{program_id}` body of the program of that id in each
        prison that has one (`prison_id` only, when given); empty when there is none."""
        ...


class EvaluationQuery(Protocol):
    async def __call__(self, schema: str, window: Window, prison_id: str | None,
                       partner_id: str | None) -> list[dict[str, Any]]:
        """The contract's `/evaluation` items (one per program) from read-model `schema`."""
        ...


class RegionalQuery(Protocol):
    async def __call__(self, schema: str, window: Window) -> list[dict[str, Any]]:
        """The contract's `/regional` items (one per prison) from read-model `schema`."""
        ...


class CheckpointQuery(Protocol):
    async def __call__(self, schema: str) -> int | None:
        """The last stream sequence applied into read-model `schema`; None when `schema` holds
        no read-model (it does not exist, or was never prepared)."""
        ...


@dataclass(frozen=True)
class ReportingDeps:
    """Every query takes the read-model schema to read; the app resolves `?as_of=` to it."""

    agreements: AgreementsQuery
    health: HealthQuery
    audit: AuditQuery
    program: ProgramQuery
    evaluation: EvaluationQuery
    regional: RegionalQuery
    checkpoint: CheckpointQuery
    clock: Callable[[], datetime]  # "today" (in WIB) for a report's default `to`
    live_schema: str = "readmodel"
    # The day a replay (`pulih replay --until … --into`) stands at, for `?as_of=` reports;
    # None: reports of a replay are dated today.
    replay_day: Callable[[str], Awaitable[date | None]] | None = None


# `pulih replay --until … --into <name>` builds schema `asof_<name>`; `?as_of=<name>` reads it.
ASOF_NAME = r"^[a-z0-9][a-z0-9_]{0,40}$"
_ASOF_NAME = re.compile(ASOF_NAME)


def asof_schema(name: str) -> str:
    """The read-model schema of the replay called `name`: `asof_<name>`. Raises ValueError
    unless `name` matches ASOF_NAME (lowercase letters, digits, `_`; at most 41 characters),
    so the result is always a safe, unquoted-compatible PostgreSQL identifier."""
    if not _ASOF_NAME.fullmatch(name):
        raise ValueError(f"replay name {name!r} does not match {ASOF_NAME}")
    return f"asof_{name}"


# A dependency that is down, or went away mid-request: the caller may retry (503 `unavailable`).
# ConnectionError and nats' TimeoutError are OSErrors.
DEPENDENCY_DOWN: tuple[type[BaseException], ...] = (
    StoreUnavailable,
    OSError,
    asyncpg.PostgresConnectionError,
    asyncpg.exceptions.OperatorInterventionError,
    asyncpg.exceptions.TooManyConnectionsError,
    nats.errors.NoServersError,
    nats.errors.ConnectionClosedError,
    nats.errors.ConnectionReconnectingError,
    nats.errors.StaleConnectionError,
    nats.errors.NoRespondersError,
    nats.js.errors.ServiceUnavailableError,
    nats.js.errors.NoStreamResponseError,
)


@asynccontextmanager
async def readmodel(pool: asyncpg.Pool, schema: str) -> AsyncIterator[asyncpg.Connection]:
    """A connection reading one read-model schema (a live build or a replayed one), in one
    repeatable-read snapshot: a report of several queries sees one state of the tables, not
    a batch committed by the runner between two of them."""
    try:
        async with pool.acquire() as conn, conn.transaction(
                readonly=True, isolation="repeatable_read"):
            await conn.execute(f'SET LOCAL search_path TO "{schema}"')
            yield conn
    except DEPENDENCY_DOWN as exc:
        raise StoreUnavailable(f"PostgreSQL: {type(exc).__name__}: {exc}") from exc


def pg_agreements(
    pool: asyncpg.Pool, schema: str, clock: Callable[[], datetime]
) -> AgreementsQuery:
    """`agreements` from the read-model `schema`. "Today" is the prisons' calendar day (WIB),
    read from `clock` per request."""

    async def agreements(
        prison_id: str | None, partner_id: str | None, status: str | None
    ) -> list[dict[str, Any]]:
        today = clock().astimezone(WIB).date()
        async with readmodel(pool, schema) as conn:
            return await list_agreements(conn, today, prison_id, partner_id, status)

    return agreements


def pg_program(pool: asyncpg.Pool, schema: str) -> ProgramQuery:
    """`program` from the read-model `schema`."""

    async def program(program_id: str, prison_id: str | None = None) -> list[dict[str, Any]]:
        async with readmodel(pool, schema) as conn:
            return await program_report(conn, program_id, prison_id)

    return program


def pg_evaluation(pool: asyncpg.Pool, schema: str) -> Callable[..., Any]:
    """`evaluation` from the read-model `schema`: `(window, prison_id, partner_id) -> items`."""

    async def evaluation(window: Window, prison_id: str | None = None,
                         partner_id: str | None = None) -> list[dict[str, Any]]:
        async with readmodel(pool, schema) as conn:
            return await evaluation_report(conn, window, prison_id, partner_id)

    return evaluation


def pg_regional(pool: asyncpg.Pool, schema: str) -> Callable[..., Any]:
    """`regional` from the read-model `schema`: `(window) -> items`."""

    async def regional(window: Window) -> list[dict[str, Any]]:
        async with readmodel(pool, schema) as conn:
            return await regional_report(conn, window)

    return regional


async def pg_replay_day(pool: asyncpg.Pool, schema: str) -> date | None:
    """The WIB day of the point a replay was built up to (its `replay_info`), if recorded."""
    async with readmodel(pool, schema) as conn:
        if await conn.fetchval("SELECT to_regclass('replay_info')") is None:
            return None
        until = await conn.fetchval("SELECT max(until_time) FROM replay_info")
    return until.astimezone(WIB).date() if until else None


async def pg_checkpoint(pool: asyncpg.Pool, schema: str, layout: str | None = None
                        ) -> int | None:
    """The checkpoint of read-model `schema` (see CheckpointQuery). The search_path holds only
    `schema` (and pg_catalog), so a schema that does not exist finds no checkpoint table.
    With `layout`, a schema built with another layout (an older version's replay) has none
    either: today's queries cannot read it."""
    async with readmodel(pool, schema) as conn:
        if await conn.fetchval("SELECT to_regclass('checkpoint')") is None:
            return None
        if layout is not None and await stamp_of(conn, schema, "reporting") != layout:
            return None
        return await conn.fetchval("SELECT coalesce(max(last_seq), 0) FROM checkpoint")
