"""FastStream wiring: one NATS router per service, one subscriber per command subject."""

from __future__ import annotations

import time

from faststream.nats import NatsRouter
from faststream.nats.annotations import NatsMessage
from nats.aio.msg import Msg

from shared.command_edge import handle
from shared.executor import Executor
from shared.metrics import CommandMeter, command_meters

COMMANDS_PREFIX = "pulih.commands"


def command_subject(prison_id: str, service: str, name: str) -> str:
    return f"{COMMANDS_PREFIX}.{prison_id}.{service}.{name}"


def command_router(service: str, executor: Executor, *, max_workers: int = 64) -> NatsRouter:
    """Subscribe `pulih.commands.*.{service}.{Name}` for each public command of the executor's
    table, in a queue group so any number of instances share the load. Requests run
    concurrently (max_workers); commands on one aggregate are serialised by the server's
    sequence check, not by this process."""
    router = NatsRouter()
    public = [name for name, row in executor.table.items() if row.public]
    meters = command_meters(service, public)
    for name in public:
        row = executor.table[name]
        router.subscriber(
            command_subject("*", service, name),
            queue=f"pulih-{service}",
            max_workers=max_workers,
            title=f"{service}.{name}",
            description=(row.model.__doc__ or name).strip(),
            decoder=_raw_message,
        )(_endpoint(executor, name, meters[name]))
    return router


async def _raw_message(message: NatsMessage) -> Msg:
    """The endpoint takes the NATS message as its body: the command edge validates the bytes
    itself (`shared.command_edge.parse`). A context-injected parameter instead would cost a worker
    thread hop per message (fast_depends resolves FastStream's Context fields synchronously)."""
    return message.raw_message


def _endpoint(executor: Executor, name: str, meter: CommandMeter):
    async def endpoint(raw) -> dict:  # noqa: ANN001 -- untyped: no validation of the Msg
        started = time.perf_counter()
        reply = await handle(executor, name, raw.subject, raw.data, raw.headers)
        meter.done(reply, started)
        return reply

    endpoint.__name__ = name
    return endpoint
