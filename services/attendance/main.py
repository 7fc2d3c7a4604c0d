"""Composition root of the attendance service."""

from __future__ import annotations

from services.attendance.handlers import SessionHandlers
from shared.bus import command_router
from shared.runtime import Runtime

SERVICE = "attendance"


def install(rt: Runtime) -> SessionHandlers:
    handlers = SessionHandlers()
    rt.broker.include_router(command_router(SERVICE, handlers.table(), rt.ctx))
    return handlers
