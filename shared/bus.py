"""FastStream wiring: one NATS router per service, one subscriber per command subject."""

from __future__ import annotations

from collections.abc import Mapping

from faststream.nats import NatsRouter
from faststream.nats.annotations import NatsMessage
from pydantic import BaseModel

from shared.commands import Context, Handler, handle

COMMANDS_PREFIX = "pulih.commands"


def command_subject(prison_id: str, service: str, name: str) -> str:
    return f"{COMMANDS_PREFIX}.{prison_id}.{service}.{name}"


def command_router(
    service: str,
    commands: Mapping[str, tuple[type[BaseModel], Handler]],
    ctx: Context,
    *,
    max_workers: int = 64,
) -> NatsRouter:
    """Subscribe `pulih.commands.*.{service}.{Name}` for each command, in a queue group so any
    number of instances share the load. Requests run concurrently (max_workers); commands on
    one aggregate are serialised by the server's sequence check, not by this process."""
    router = NatsRouter()
    for name, (model, handler) in commands.items():
        router.subscriber(
            command_subject("*", service, name),
            queue=f"pulih-{service}",
            max_workers=max_workers,
            title=f"{service}.{name}",
            description=(model.__doc__ or name).strip(),
        )(_endpoint(ctx, name, model, handler))
    return router


def _endpoint(ctx: Context, name: str, model: type[BaseModel], handler: Handler):
    async def endpoint(msg: NatsMessage) -> dict:
        raw = msg.raw_message
        return await handle(ctx, name, model, handler, raw.subject, raw.data, raw.headers)

    endpoint.__name__ = name
    return endpoint
