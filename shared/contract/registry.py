"""The registry of stored event types: (type, schema_version) → frozen model, and back.

A model describes what is *stored*: `validate` (the audit) checks parsed log entries against it,
the AsyncAPI document is generated from it. The services build instances of the current version
in `decide` (encoded by `encode`) and fold instances decoded by `decode`.

Building and decoding do not re-validate: the command was validated at the edge, and a stored
event must always fold the way it did when it was written (a bound tightened here later must
not make an old aggregate unreadable). Only the field types are restored (dates, instants,
nested models), so a fold never parses strings.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, ClassVar, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict

from shared.envelope import AGGREGATE_TYPES, NewEvent


class StoredModel(BaseModel):
    """Unknown keys refused, values frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    @classmethod
    def of(cls, **fields: Any) -> Self:
        """An instance from values the command already validated (the keys given are the keys
        stored)."""
        return cls.model_construct(**fields)


class Event(StoredModel):
    """One event's `data`. `TYPE` and `VERSION` are set when the model is registered."""

    TYPE: ClassVar[str]
    VERSION: ClassVar[int]
    AGGREGATE: ClassVar[str]

    def stamped(self, occurred_at: str) -> NewEvent:
        """The event as the store appends it: type, version and JSON-ready data."""
        return NewEvent(self.TYPE, encode(self), occurred_at, self.VERSION)


# (type, schema_version) -> the model of that version's `data`.
EVENT_SCHEMAS: dict[tuple[str, int], type[Event]] = {}
# type -> the aggregate type whose stream it belongs to (the same for every version).
EVENT_AGGREGATES: dict[str, str] = {}


def register(aggregate_type: str, event_type: str, version: int, model: type[BaseModel]) -> None:
    if aggregate_type not in AGGREGATE_TYPES:
        raise ValueError(f"unknown aggregate type {aggregate_type}")
    if EVENT_AGGREGATES.setdefault(event_type, aggregate_type) != aggregate_type:
        raise ValueError(f"{event_type} already belongs to {EVENT_AGGREGATES[event_type]}")
    if (event_type, version) in EVENT_SCHEMAS:
        raise ValueError(f"{event_type} v{version} is already registered")
    EVENT_SCHEMAS[(event_type, version)] = model  # type: ignore[assignment]
    if isinstance(model, type) and issubclass(model, Event):
        model.TYPE, model.VERSION, model.AGGREGATE = event_type, version, aggregate_type


def events(aggregate_type: str, *models: type[Event]) -> None:
    """Register version 1 of each model, under its class name."""
    for model in models:
        register(aggregate_type, model.__name__, 1, model)


def latest_versions() -> dict[str, int]:
    """The highest registered schema_version of every event type."""
    latest: dict[str, int] = {}
    for event_type, version in EVENT_SCHEMAS:
        latest[event_type] = max(version, latest.get(event_type, 0))
    return latest


def encode(event: BaseModel) -> dict[str, Any]:
    """The stored `data`: the model's fields in their order, JSON-ready (a nested model keeps
    only the keys it was given, as `AgreementAmended.changes` does)."""
    return event.model_dump(mode="json", exclude_unset=True)


@dataclass(frozen=True, slots=True)
class Unknown:
    """An event of a type this reader does not know: a fold refuses it, naming the type."""

    TYPE: str
    data: Any


@dataclass(frozen=True, slots=True)
class Fact:
    """A recorded event as a fold meets it: typed data, and the envelope fields folds use."""

    event: Event | Unknown
    aggregate_id: str
    occurred_at: str


def decode(envelope: dict[str, Any]) -> Fact:
    """The envelope's data as its model (the envelope is current: the store upcasts first)."""
    kind, version = envelope["type"], envelope.get("schema_version", 1)
    model = EVENT_SCHEMAS.get((kind, version))
    if model is not None:
        event: Event | Unknown = _restore(model, envelope["data"])
    elif kind in EVENT_AGGREGATES:
        raise ValueError(f"{kind} schema_version {version} is not a registered version")
    else:
        event = Unknown(kind, envelope["data"])
    return Fact(event, envelope["aggregate_id"], envelope["occurred_at"])


_READERS: dict[type[BaseModel], dict[str, Callable[[Any], Any]]] = {}


def _restore(model: type[BaseModel], data: dict[str, Any]) -> Any:
    readers = _READERS.get(model)
    if readers is None:
        readers = _READERS[model] = _readers_of(model)
    return model.model_construct(**{
        key: (readers[key](value) if key in readers and value is not None else value)
        for key, value in data.items()})


def _readers_of(model: type[BaseModel]) -> dict[str, Callable[[Any], Any]]:
    readers: dict[str, Callable[[Any], Any]] = {}
    for name, field in model.model_fields.items():
        kind = field.annotation
        if kind is date:
            readers[name] = date.fromisoformat
        elif kind in (datetime, AwareDatetime):
            readers[name] = datetime.fromisoformat
        elif isinstance(kind, type) and issubclass(kind, BaseModel):
            readers[name] = lambda value, nested=kind: _restore(nested, value)
    return readers
