"""Composition root of the programs service."""

from __future__ import annotations

from services.programs.handlers import TABLE
from shared.bus import command_router
from shared.executor import Executor
from shared.runtime import Runtime

SERVICE = "programs"


def install(rt: Runtime) -> Executor:
    executor = Executor(rt.ctx, TABLE)
    rt.broker.include_router(command_router(SERVICE, executor))
    return executor
