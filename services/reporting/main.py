"""Composition root of the reporting service: the projection runner and the HTTP reports."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from datetime import date, datetime, time
from typing import Any

import uvicorn

from services.reporting.app import create_app
from services.reporting.deps import (
    ReportingDeps,
    pg_agreements,
    pg_checkpoint,
    pg_evaluation,
    pg_program,
    pg_regional,
    pg_replay_day,
    readmodel,
)
from services.reporting.figures import Window
from services.reporting.projections import (
    AgreementsProjection,
    MembershipsProjection,
    ParticipantsProjection,
    ProgramsProjection,
    SessionsProjection,
)
from shared.envelope import STREAM, WIB
from shared.layout import stamp
from shared.runner import ProjectionRunner
from shared.runtime import Runtime
from shared.store import Recorded, StoreUnavailable


def projections() -> list:
    return [AgreementsProjection(), ProgramsProjection(), MembershipsProjection(),
            SessionsProjection(), ParticipantsProjection()]


class _Server(uvicorn.Server):
    """uvicorn without its own signal handling: the Runtime owns shutdown."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class Reporting:
    def __init__(self, rt: Runtime):
        self.rt = rt
        self.schema = rt.settings.readmodel_schema
        self.runner: ProjectionRunner | None = None
        self.app = create_app(ReportingDeps(
            agreements=self.agreements, health=self.health, audit=self.audit,
            program=self.program, evaluation=self.evaluation, regional=self.regional,
            checkpoint=self.checkpoint, clock=rt.clock, live_schema=self.schema,
            replay_day=self.replay_day))

    async def agreements(self, schema: str, prison_id, partner_id, status
                         ) -> list[dict[str, Any]]:
        clock = self.rt.clock
        if schema != self.schema and (day := await self.replay_day(schema)) is not None:
            moment = datetime.combine(day, time(12), WIB)  # statuses as of the replay's day
            clock = lambda: moment  # noqa: E731
        query = pg_agreements(await self._pool(schema), schema, clock)
        return await query(prison_id, partner_id, status)

    async def replay_day(self, schema: str) -> date | None:
        return await pg_replay_day(await self.rt.pool(), schema)

    async def program(self, schema: str, program_id: str, prison_id: str | None
                      ) -> list[dict[str, Any]]:
        return await pg_program(await self._pool(schema), schema)(program_id, prison_id)

    async def evaluation(self, schema: str, window: Window, prison_id: str | None,
                         partner_id: str | None) -> list[dict[str, Any]]:
        return await pg_evaluation(await self._pool(schema), schema)(window, prison_id,
                                                                     partner_id)

    async def regional(self, schema: str, window: Window) -> list[dict[str, Any]]:
        return await pg_regional(await self._pool(schema), schema)(window)

    async def checkpoint(self, schema: str) -> int | None:
        return await pg_checkpoint(await self.rt.pool(), schema, stamp(projections()))

    async def _pool(self, schema: str):
        """The pool to read `schema` with; the live read-model is refused (503) while the log
        no longer holds what it was built from."""
        if schema == self.schema and self.runner is not None and self.runner.problem:
            raise StoreUnavailable(self.runner.problem)
        return await self.rt.pool()

    async def health(self) -> dict[str, Any]:
        try:
            last = (await self.rt.nc.jetstream().stream_info(STREAM)).state.last_seq
        except Exception as exc:
            raise StoreUnavailable(f"stream info: {exc!r}") from exc
        runner = self.runner
        names = [p.name for p in runner.projections] if runner else []
        # From the database, not the runner's memory: what the read-model holds right now,
        # even just after a replay swapped tables in behind the runner's back.
        applied, parked = await _live_state(await self.rt.pool(), self.schema,
                                            runner.name if runner else "reporting")
        return {"projections": {n: {"last_seq": applied, "lag": max(0, last - applied),
                                    "parked": parked.get(n, 0) + parked.get("*", 0)}
                                for n in names},
                "stream_last_seq": last, "problem": runner.problem if runner else None}

    async def audit(self, aggregate_type: str, aggregate_id: str, prison_id: str | None
                    ) -> list[Recorded]:
        # As stored (never upcast): the audit trail must show what the hashes cover. The
        # route validated every token (prison slug, type, UUID): no wildcard gets in.
        return await self.rt.ctx.store.read_filter(
            f"pulih.events.{prison_id or '*'}.{aggregate_type}.{aggregate_id}.*", raw=True)

    async def run_projections(self) -> None:
        self.runner = ProjectionRunner(self.rt.nc, await self.rt.pool(), projections(),
                                       schema=self.schema)
        await self.runner.run()

    async def serve_http(self) -> None:
        settings = self.rt.settings
        server = _Server(uvicorn.Config(self.app, host=settings.http_host,
                                        port=settings.http_port, log_config=None,
                                        access_log=False, lifespan="off"))
        task = asyncio.create_task(server.serve())
        try:
            await asyncio.shield(task)
        except asyncio.CancelledError:
            server.should_exit = True
            await task
            raise


async def _live_state(pool, schema: str, runner: str) -> tuple[int, dict[str, int]]:
    """The live read-model's checkpoint and parked events per projection ("*": every one)."""
    async with readmodel(pool, schema) as conn:
        if await conn.fetchval("SELECT to_regclass('checkpoint')") is None:
            return 0, {}
        applied = await conn.fetchval(
            "SELECT last_seq FROM checkpoint WHERE runner = $1", runner)
        parked = await conn.fetch("SELECT projection, count(*) FROM parked GROUP BY projection")
    return applied or 0, dict(parked)


def install(rt: Runtime) -> Reporting:
    reporting = Reporting(rt)
    rt.job(reporting.run_projections)
    rt.job(reporting.serve_http)
    return reporting
