"""FastStream wiring: one NATS router per service, one subscriber per command subject."""

from __future__ import annotations

from collections.abc import Mapping

from faststream.nats import NatsRouter
from faststream.nats.annotations import NatsMessage
from nats.aio.msg import Msg
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
            decoder=_raw_message,
        )(_endpoint(ctx, name, model, handler))
    return router


async def _raw_message(message: NatsMessage) -> Msg:
    """The endpoint takes the NATS message as its body: the command edge validates the bytes
    itself (`shared.commands.parse`). A context-injected parameter instead would cost a worker
    thread hop per message (fast_depends resolves FastStream's Context fields synchronously)."""
    return message.raw_message


def _endpoint(ctx: Context, name: str, model: type[BaseModel], handler: Handler):
    async def endpoint(raw) -> dict:  # noqa: ANN001 -- untyped: no validation of the Msg
        return await handle(ctx, name, model, handler, raw.subject, raw.data, raw.headers)

    endpoint.__name__ = name
    return endpoint
