"""Composition root of the agreements service."""

from __future__ import annotations

import asyncio

import structlog

from services.agreements.expiry import expire_due
from services.agreements.handlers import TABLE
from shared.bus import command_router
from shared.executor import Executor
from shared.runtime import Runtime

SERVICE = "agreements"
log = structlog.get_logger(__name__)


def install(rt: Runtime) -> Executor:
    executor = Executor(rt.ctx, TABLE)
    rt.broker.include_router(command_router(SERVICE, executor))

    async def expiry_timer() -> None:
        while True:
            try:
                for appended in await expire_due(executor):
                    log.info("agreement_expired", agreement_id=appended.stream.aggregate_id,
                             duplicate=appended.duplicate)
            except Exception:
                log.exception("expiry_check_failed")
            await asyncio.sleep(rt.settings.expiry_check_seconds)

    rt.job(expiry_timer)
    return executor
