"""What the reporting HTTP app needs from the outside, as small async callables.

The app only calls these; the composition root builds them from the pool and the event store,
and unit tests pass hand-written fakes.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

import asyncpg
import nats.errors
import nats.js.errors

from services.reporting.queries import list_agreements, program_report
from shared.envelope import WIB
from shared.store import Recorded, StoreUnavailable


class AgreementsQuery(Protocol):
    async def __call__(
        self, prison_id: str | None, partner_id: str | None, status: str | None
    ) -> list[dict[str, Any]]:
        """The contract's agreement items, already filtered and ordered."""
        ...


class HealthQuery(Protocol):
    async def __call__(self) -> dict[str, Any]:
        """`{"projections": {name: {"last_seq", "lag"}}, "stream_last_seq": n}`."""
        ...


class AuditQuery(Protocol):
    async def __call__(self, aggregate_type: str, aggregate_id: str) -> list[Recorded]:
        """The aggregate's events straight from the log, in order; empty when it is unknown."""
        ...


class ProgramQuery(Protocol):
    async def __call__(self, program_id: str) -> dict[str, Any] | None:
        """The contract's `/programs/{program_id}` body; None when the program is unknown."""
        ...


@dataclass(frozen=True)
class ReportingDeps:
    agreements: AgreementsQuery
    health: HealthQuery
    audit: AuditQuery
    program: ProgramQuery


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
    """A connection reading one read-model schema (a live build or a replayed one)."""
    try:
        async with pool.acquire() as conn, conn.transaction(readonly=True):
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

    async def program(program_id: str) -> dict[str, Any] | None:
        async with readmodel(pool, schema) as conn:
            return await program_report(conn, program_id)

    return program
