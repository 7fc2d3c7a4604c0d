"""The read-model port over PostgreSQL (the read-models) and NATS (the log and its end)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import date
from typing import Any

import asyncpg
from nats.aio.client import Client

from services.reporting.read.evaluation import evaluation_report, regional_report
from services.reporting.read.figures import Window
from services.reporting.read.health import RUNNER, live_state, projection_health
from services.reporting.read.intake import intake_report
from services.reporting.read.listing import partners, prison_ids, program_keys
from services.reporting.read.phases import roster
from services.reporting.read.port import DEPENDENCY_DOWN, Rows
from services.reporting.read.program_sessions import program_sessions
from services.reporting.read.quarterly import quarterly_counts
from services.reporting.read.queries import list_agreements, program_report
from services.reporting.read.quotas import kanwil_list, quota_rows
from services.reporting.read.recidivism import Graduates
from services.reporting.read.recidivism_sql import recidivism_report, stock_report
from shared.envelope import STREAM, WIB
from shared.layout import stamp_of
from shared.runner import ProjectionRunner
from shared.store import EventStore, Recorded, StoreUnavailable


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


async def checkpoint_of(pool: asyncpg.Pool, schema: str, layout: str | None = None
                        ) -> int | None:
    """The checkpoint of read-model `schema` (see ReadModel.checkpoint). The search_path holds
    only `schema` (and pg_catalog), so a schema that does not exist finds no checkpoint table.
    With `layout`, a schema built with another layout (an older version's replay) has none
    either: today's queries cannot read it."""
    async with readmodel(pool, schema) as conn:
        if await conn.fetchval("SELECT to_regclass('checkpoint')") is None:
            return None
        if layout is not None and await stamp_of(conn, schema, "reporting") != layout:
            return None
        return await conn.fetchval("SELECT coalesce(max(last_seq), 0) FROM checkpoint")


class LiveReadModel:
    """The reporting service's reads. `runner()` is the live projection runner, once started:
    the live read-model is refused (503) while the log no longer holds what it was built from."""

    def __init__(self, pool: Callable[[], Awaitable[asyncpg.Pool]], live_schema: str, *,
                 nc: Client, store: EventStore, layout: str | None = None,
                 runner: Callable[[], ProjectionRunner | None] = lambda: None):
        self._pool, self._nc, self._store, self._runner = pool, nc, store, runner
        self.live_schema, self._layout = live_schema, layout

    @asynccontextmanager

    async def _read(self, schema: str) -> AsyncIterator[asyncpg.Connection]:
        runner = self._runner()
        if schema == self.live_schema and runner is not None and runner.problem:
            raise StoreUnavailable(runner.problem)
        async with readmodel(await self._pool(), schema) as conn:
            yield conn

    async def agreements(self, schema: str, today: date, prison_id: str | None,
                         partner_id: str | None, status: str | None, *,
                         prisons: Sequence[str] | None = None) -> Rows:
        async with self._read(schema) as conn:
            return await list_agreements(conn, today, prison_id, partner_id, status, prisons)

    async def program(self, schema: str, program_id: str, prison_id: str | None) -> Rows:
        async with self._read(schema) as conn:
            return await program_report(conn, program_id, prison_id)

    async def roster(self, schema: str, prison_id: str, program_id: str) -> Rows:
        async with self._read(schema) as conn:
            return await roster(conn, prison_id, program_id)

    async def program_sessions(self, schema: str, prison_id: str, program_id: str, to: date
                               ) -> dict[str, Any]:
        async with self._read(schema) as conn:
            return await program_sessions(conn, prison_id, program_id, to)

    async def evaluation(self, schema: str, window: Window, prison_id: str | None,
                         partner_id: str | None, *, prisons: Sequence[str] | None = None,
                         kanwil_id: str | None = None) -> Rows:
        async with self._read(schema) as conn:
            return await evaluation_report(conn, window, prison_id, partner_id, prisons,
                                           kanwil_id)

    async def regional(self, schema: str, window: Window, *,
                       prisons: Sequence[str] | None = None, prison_id: str | None = None,
                       kanwil_id: str | None = None) -> Rows:
        async with self._read(schema) as conn:
            return await regional_report(conn, window, prisons, prison_id, kanwil_id)

    async def prison_ids(self, schema: str, to: date, *, prisons: Sequence[str] | None = None,
                         kanwil_id: str | None = None) -> list[str]:
        async with self._read(schema) as conn:
            return await prison_ids(conn, to, prisons, kanwil_id)

    async def program_keys(self, schema: str, prison_id: str | None, partner_id: str | None,
                           *, prisons: Sequence[str] | None = None,
                           kanwil_id: str | None = None) -> list[tuple[str, str]]:
        async with self._read(schema) as conn:
            return await program_keys(conn, prison_id, partner_id, prisons, kanwil_id)

    async def partners(self, schema: str, *, prisons: Sequence[str] | None = None
                       ) -> list[tuple[str, str]]:
        async with self._read(schema) as conn:
            return await partners(conn, prisons)

    async def quarterly(self, schema: str, quarters: Sequence[Window], by_kanwil: bool, *,
                        prisons: Sequence[str] | None = None, prison_id: str | None = None,
                        kanwil_id: str | None = None) -> Rows:
        async with self._read(schema) as conn:
            return await quarterly_counts(conn, quarters, by_kanwil, prisons, prison_id,
                                          kanwil_id)

    async def intake(self, schema: str, window: Window, prison_id: str | None, *,
                     prisons: Sequence[str] | None = None) -> Rows:
        async with self._read(schema) as conn:
            return await intake_report(conn, window, prison_id, prisons)

    async def recidivism(self, schema: str, to: date, cohort: int | None, window: int | None,
                         prison_id: str | None, *,
                         prisons: Sequence[str] | None = None,
                         graduates: Graduates | None = None) -> Rows:
        async with self._read(schema) as conn:
            return await recidivism_report(conn, to, cohort, window, prison_id, prisons,
                                           graduates)

    async def recidivism_stock(self, schema: str, on: date, prison_id: str | None, *,
                               prisons: Sequence[str] | None = None) -> Rows:
        async with self._read(schema) as conn:
            return await stock_report(conn, on, prison_id, prisons)

    async def quotas(self, schema: str, year: int, tracks: Sequence[str]) -> Rows:
        async with self._read(schema) as conn:
            return await quota_rows(conn, year, tracks)

    async def kanwils(self, schema: str, *, prisons: Sequence[str] | None = None) -> Rows:
        async with self._read(schema) as conn:
            return await kanwil_list(conn, prisons)

    async def checkpoint(self, schema: str) -> int | None:
        return await checkpoint_of(await self._pool(), schema, self._layout)

    async def replay_day(self, schema: str) -> date | None:
        async with readmodel(await self._pool(), schema) as conn:
            if await conn.fetchval("SELECT to_regclass('replay_info')") is None:
                return None
            until = await conn.fetchval("SELECT max(until_time) FROM replay_info")
        return until.astimezone(WIB).date() if until else None

    async def health(self) -> dict[str, Any]:
        try:
            last = (await self._nc.jetstream().stream_info(STREAM)).state.last_seq
        except Exception as exc:
            raise StoreUnavailable(f"stream info: {exc!r}") from exc
        runner = self._runner()
        names = [p.name for p in runner.projections] if runner else []
        # From the database, not the runner's memory: what the read-model holds right now,
        # even just after a replay swapped tables in behind the runner's back.
        async with readmodel(await self._pool(), self.live_schema) as conn:
            applied, parked = await live_state(conn, runner.name if runner else RUNNER)
        return {"projections": projection_health(names, last, applied, parked),
                "stream_last_seq": last, "problem": runner.problem if runner else None}

    async def audit(self, aggregate_type: str, aggregate_id: str, prison_id: str | None
                    ) -> list[Recorded]:
        # As stored (never upcast): the audit trail must show what the hashes cover. The
        # route validated every token (prison slug, type, UUID): no wildcard gets in.
        return await self._store.read(prison_id, aggregate_type, aggregate_id, raw=True)
