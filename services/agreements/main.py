"""Composition root of the agreements service."""

from __future__ import annotations

import asyncio

import structlog

from services.agreements.handlers import AgreementHandlers
from shared.bus import command_router
from shared.runtime import Runtime

SERVICE = "agreements"
log = structlog.get_logger(__name__)


def install(rt: Runtime) -> AgreementHandlers:
    handlers = AgreementHandlers()
    rt.broker.include_router(command_router(SERVICE, handlers.table(), rt.ctx))

    async def expiry_timer() -> None:
        while True:
            try:
                for appended in await handlers.expire_due(rt.ctx):
                    log.info("agreement_expired", agreement_id=appended.stream.aggregate_id,
                             duplicate=appended.duplicate)
            except Exception:
                log.exception("expiry_check_failed")
            await asyncio.sleep(rt.settings.expiry_check_seconds)

    rt.job(expiry_timer)
    return handlers
