"""The AsyncAPI document's model of the contract: a documentation-only NATS broker, never
started, whose subscribers and publishers carry the models (ops/docs.py turns it into
docs/asyncapi.json).

The real command subscribers take the raw message (so the edge can answer malformed requests
with the contract's error reply), which would leave their payloads undocumented. Here each
command's request is the contract's request envelope with the command's own `data` model, its
reply a publisher on `{command}.reply`, and every event's envelope is documented per (type,
schema_version) from the contract's registry (shared/contract).
"""

from __future__ import annotations

import inspect
import types
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from faststream.nats import NatsBroker
from pydantic import BaseModel, Field, create_model

from shared.bus import COMMANDS_PREFIX
from shared.command_edge import CommandRequest
from shared.contract.events import EVENT_AGGREGATES, EVENT_SCHEMAS, current_version
from shared.contract.validation import Envelope
from shared.envelope import EVENTS_PREFIX


def doc_broker(commands: dict[str, dict[str, type[BaseModel]]], reply: Any,
               roots: list[Any] | None = None) -> NatsBroker:
    """The documentation-only broker of `commands` (service -> {name: data model}), each
    answered with `reply`, and of every event; `roots` receives every payload type it
    documents."""
    roots = [] if roots is None else roots
    broker = NatsBroker("nats://localhost:4222", description="The NATS server named by "
                        "PULIH_NATS_URL (`pulih up` starts an embedded one on a free port).")
    for service, table in commands.items():
        for name, model in table.items():
            about = inspect.cleandoc(model.__doc__ or name)
            request = create_model(f"{name}Request", __base__=CommandRequest,
                                   __doc__=f"`{name}`: {about}", data=(model, ...))
            address = f"{COMMANDS_PREFIX}.{{prison_id}}.{service}.{name}"
            broker.subscriber(address, queue=f"pulih-{service}", title=f"{service}.{name}",
                              description=about)(_endpoint(request))
            broker.publisher(f"{address}.reply", title=f"{service}.{name}.reply",
                             schema=reply)
            roots += [request, reply]
    clones: dict[type[BaseModel], type[BaseModel]] = {}
    versions: dict[str, list[int]] = {}
    for event_type, version in sorted(EVENT_SCHEMAS):
        versions.setdefault(event_type, []).append(version)
    for event_type, known in versions.items():
        aggregate = EVENT_AGGREGATES[event_type]
        envelopes = [_envelope(event_type, v, aggregate, clones) for v in known]
        payload = (envelopes[0] if len(envelopes) == 1 else
                   Annotated[Union[tuple(envelopes)], Field(title=f"{event_type}Event")])  # noqa: UP007
        roots.append(payload)
        broker.publisher(
            f"{EVENTS_PREFIX}.{{prison_id}}.{aggregate}.{{aggregate_id}}.{event_type}",
            title=f"events.{event_type}", schema=payload,
            description=f"`{event_type}`, an event of the {aggregate} aggregate. Versions: "
            f"{', '.join(map(str, known))}; writers write {current_version(event_type)}.")
    return broker


def _endpoint(request: type[BaseModel]):
    async def endpoint(body: Any) -> None:
        """Documentation only: the broker is never started."""

    endpoint.__annotations__ = {"body": request, "return": None}  # not a string, as it'd be here
    endpoint.__name__ = request.__name__
    return endpoint


def _envelope(event_type: str, version: int, aggregate: str,
              clones: dict[type[BaseModel], type[BaseModel]]) -> type[BaseModel]:
    data = _clone(EVENT_SCHEMAS[(event_type, version)], f"{event_type}V{version}Data",
                  clones)
    return create_model(
        f"{event_type}V{version}Event", __base__=Envelope,
        __doc__=f"`{event_type}` schema_version {version}: the stored envelope.",
        type=(Literal[event_type], ...), schema_version=(Literal[version], ...),
        aggregate_type=(Literal[aggregate], ...), data=(data, ...))


def _clone(model: type[BaseModel], name: str,
           clones: dict[type[BaseModel], type[BaseModel]]) -> type[BaseModel]:
    """`model` under another name, nested models too (`Event` + their name): the events' models
    share names with the commands' (`Partner`, `Mark`…) but not their schemas, and the
    AsyncAPI document has one namespace of schemas."""
    if model not in clones:
        fields = {}
        for field_name, info in model.model_fields.items():
            annotation = _renamed(info.annotation, clones)
            if annotation is not info.annotation:
                fields[field_name] = (annotation, info)
        clones[model] = create_model(name, __base__=model, __doc__=model.__doc__, **fields)
    return clones[model]


def _renamed(annotation: Any, clones: dict[type[BaseModel], type[BaseModel]]) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return _clone(annotation, f"Event{annotation.__name__}", clones)
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is None or origin is Literal or not args:
        return annotation
    if origin is Annotated:
        inner = _renamed(args[0], clones)
        return annotation if inner is args[0] else Annotated[(inner, *annotation.__metadata__)]
    new = tuple(_renamed(a, clones) for a in args)
    if all(n is a for n, a in zip(new, args, strict=True)):
        return annotation
    return Union[new] if origin in (Union, types.UnionType) else origin[new]  # noqa: UP007
