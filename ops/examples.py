"""The example messages of docs/asyncapi.json: what Pulih really sends and writes.

The demo region (deploy/demo_region: every command and, with the service's own expiry, every
event type) goes through the three command services' real edge (`shared.command_edge.handle`)
onto the in-memory log, at a fixed clock and with command ids derived from their place in the
list, so the examples are the same at every generation. The
first request of each command and its reply are its examples, the first event of each type
that type's. The error replies are real too: each request sent again with a key no command has
(`invalid`: a NIK is refused, never stored), and sent again under a new command_id once the
scenario is done (`rule` or `not_found`: already signed, already held...).

Every example is checked here against the model it documents, so the document cannot show a
message Pulih would refuse; tests/unit/test_docs_examples.py checks each one again against the
document's own JSON Schemas.
"""

from __future__ import annotations

import asyncio
import copy
import functools
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson
from pydantic import TypeAdapter
from structlog.testing import capture_logs

from deploy import demo, demo_region
from services.agreements import handlers as agreements
from services.agreements.expiry import expire_due
from services.attendance import handlers as attendance
from services.programs import handlers as programs
from shared.bus import command_subject
from shared.command_edge import handle
from shared.contract.validation import validate
from shared.executor import Context, Executor
from shared.memory_store import InMemoryEventStore
from shared.replies import CommandReply

CLOCK = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)  # after every date of the demo region
IDS = uuid.UUID("6f1e0b9a-3c2d-5e4f-8a7b-6578616d706c")
TABLES = {"agreements": agreements.TABLE, "programs": programs.TABLE,
          "attendance": attendance.TABLE}
REGION_ACTOR = demo_region.REGION_ACTOR


@dataclass
class Examples:
    requests: dict[str, dict[str, Any]] = field(default_factory=dict)  # command -> body
    replies: dict[str, list[tuple[str, dict[str, Any]]]] = field(default_factory=dict)
    events: dict[str, dict[str, Any]] = field(default_factory=dict)  # type -> envelope
    prisons: dict[str, str] = field(default_factory=dict)  # command -> its example's prison


def examples() -> Examples:
    """A copy of the examples (built once per process)."""
    return copy.deepcopy(_examples())


@functools.cache
def _examples() -> Examples:
    with capture_logs():  # the edge logs every command: not the documents' business
        found = asyncio.run(_run())
    replies = TypeAdapter(CommandReply)
    for name, sent in found.replies.items():
        for _, reply in sent:
            replies.validate_python(reply)
        if {reply["ok"] for _, reply in sent} != {True, False}:
            raise ValueError(f"{name} needs an accepted and a rejected example: {sent}")
    for envelope in found.events.values():
        if problems := validate(envelope):
            raise ValueError(f"example {envelope['type']} is not valid: {problems}")
    return found


def commands() -> list[tuple[str, str, str, dict[str, Any]]]:
    """The demo region's commands as (prison, service, command, data): each prison's
    officer's, then the region's, Banyuwangi first."""
    region = demo_region.region()
    return [(prison, *command) for prison in demo_region.PRISONS
            for command in (*region.officers[prison], *region.regional[prison])]


async def _run() -> Examples:
    store = InMemoryEventStore(clock=lambda: CLOCK)
    context = Context(store, lambda: CLOCK)
    executors = {service: Executor(context, table) for service, table in TABLES.items()}
    sent: dict[str, tuple[str, str]] = {}  # command -> (prison, service) of its example
    found = Examples()

    async def send(prison: str, service: str, name: str, body: dict[str, Any]
                   ) -> dict[str, Any]:
        return await handle(executors[service], name, command_subject(prison, service, name),
                            orjson.dumps(body), None)

    for n, (prison, service, name, data) in enumerate(commands()):
        region = executors[service].table[name].region
        body = {"command_id": _id(n), "actor": REGION_ACTOR if region else demo.actor(prison),
                "expected_version": None, "data": data}
        reply = await send(prison, service, name, body)
        if not reply["ok"]:
            raise RuntimeError(f"example command {name} refused: {reply['error']}")
        if name not in found.requests:
            sent[name] = (prison, service)
            found.prisons[name] = prison
            found.requests[name] = body
            found.replies[name] = [("accepted", reply)]
    await expire_due(executors["agreements"])
    for record in store.log:
        found.events.setdefault(record.envelope["type"], record.envelope)
    for n, (name, body) in enumerate(found.requests.items()):
        nik = {**body, "command_id": _id(f"nik/{n}"), "data": {**body["data"], "nik": "..."}}
        found.replies[name].append(("invalid", await send(*sent[name], name, nik)))
        again = await send(*sent[name], name, {**body, "command_id": _id(f"again/{n}")})
        if not again["ok"]:
            found.replies[name].append((again["error"]["code"], again))
    return found


def _id(key: object) -> str:
    return str(uuid.uuid5(IDS, str(key)))


def attach(doc: dict[str, Any]) -> None:
    """Each documented message gets its examples (AsyncAPI 3 Message Example Objects)."""
    found = examples()
    messages = doc["components"]["messages"]
    for key, message in messages.items():
        name = key.split(":")[0]
        service_command = name.removesuffix(".reply").split(".")[-1]
        if name.startswith("events."):
            envelope = found.events[name.removeprefix("events.")]
            message["examples"] = [{
                "name": envelope["type"], "headers": {"Nats-Msg-Id": envelope["event_id"]},
                "payload": envelope,
                "summary": "From the demo region, as the command service wrote it."}]
        elif name.endswith(".reply"):
            message["examples"] = [
                {"name": label, "payload": reply, "summary": _SUMMARIES[label]}
                for label, reply in found.replies[service_command]]
        else:
            subject = command_subject(found.prisons[service_command], name.split(".")[0],
                                      service_command)
            message["examples"] = [{
                "name": service_command, "payload": found.requests[service_command],
                "summary": f"The demo's first {service_command}, sent to {subject}."}]


_SUMMARIES = {
    "accepted": "Accepted: the events written, with their stream sequence.",
    "invalid": "The same request with a key the command does not have (here `nik`): "
               "`invalid`, naming the field, never its value; nothing written.",
    "rule": "The same request again under a new command_id: a business rule refuses it.",
    "not_found": "The same request again under a new command_id: its aggregate is gone.",
    "conflict": "The same request again under a new command_id: a conflict.",
}
