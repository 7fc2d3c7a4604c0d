"""Composition root of the programs service."""

from __future__ import annotations

from services.programs.handlers import ProgramHandlers
from shared.bus import command_router
from shared.runtime import Runtime

SERVICE = "programs"


def install(rt: Runtime) -> ProgramHandlers:
    handlers = ProgramHandlers()
    rt.broker.include_router(command_router(SERVICE, handlers.table(), rt.ctx))
    return handlers
