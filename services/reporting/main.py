"""Composition root of the reporting service: the projection runner and the HTTP reports."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator

import uvicorn

from services.reporting.http.app import ReportingDeps, create_app
from services.reporting.http.tokens import authorizer
from services.reporting.projections import projections
from services.reporting.read.live import LiveReadModel
from shared.layout import stamp
from shared.runner import ProjectionRunner
from shared.runtime import Runtime


class _Server(uvicorn.Server):
    """uvicorn without its own signal handling: the Runtime owns shutdown."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class Reporting:
    def __init__(self, rt: Runtime):
        assert rt.nc is not None and rt.ctx is not None, "open the Runtime first"
        self.rt = rt
        self.schema = rt.settings.readmodel_schema
        self.runner: ProjectionRunner | None = None
        self.reads = LiveReadModel(rt.pool, self.schema, nc=rt.nc, store=rt.ctx.store,
                                   layout=stamp(projections()), runner=lambda: self.runner)
        self.app = create_app(ReportingDeps(reads=self.reads, clock=rt.clock,
                                            live_schema=self.schema,
                                            authorize=authorizer(rt.settings)))

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


def install(rt: Runtime) -> Reporting:
    reporting = Reporting(rt)
    rt.job(reporting.run_projections)
    rt.job(reporting.serve_http)
    return reporting
