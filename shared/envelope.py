"""The event envelope of the public contract: ids, subjects and the per-aggregate hash chain."""

from __future__ import annotations

import contextlib
import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

import orjson

STREAM = "PULIH_EVENTS"
EVENTS_PREFIX = "pulih.events"
AGGREGATE_TYPES = ("agreement", "program", "participant", "session", "prison")
# Stable namespace for event ids: uuid5(namespace, "{command_id}/{index}"). Part of the contract;
# never change it, or retried commands from before the change would write twice.
EVENT_ID_NAMESPACE = uuid.UUID("6f1c2a7e-3b0d-5c4e-9a8f-70756c696820")
# Business dates become instants at midnight in the prisons' zone (WIB, UTC+7).
WIB = timezone(timedelta(hours=7))

ENVELOPE_FIELDS = (
    "event_id", "type", "schema_version", "prison_id", "aggregate_type", "aggregate_id",
    "aggregate_version", "occurred_at", "recorded_at", "actor", "command_id",
    "correlation_id", "causation_id", "prev_hash", "hash", "data",
)


WHOLE_LOG = f"{EVENTS_PREFIX}.>"


def subject_filter(prison: str | None = None, event_type: str | None = None, *,
                   aggregate_type: str | None = None, aggregate_id: str | None = None) -> str:
    """The subjects of the events matching every field given (None: any); the whole log when
    none is."""
    fields = (prison, aggregate_type, aggregate_id, event_type)
    if all(field is None for field in fields):
        return WHOLE_LOG
    return ".".join((EVENTS_PREFIX, *(field or "*" for field in fields)))


@dataclass(frozen=True, order=True)
class StreamId:
    """One aggregate's slice of the log."""

    prison_id: str
    aggregate_type: str
    aggregate_id: str

    @property
    def prefix(self) -> str:
        return f"{EVENTS_PREFIX}.{self.prison_id}.{self.aggregate_type}.{self.aggregate_id}"

    @property
    def filter(self) -> str:
        return f"{self.prefix}.*"

    def subject(self, event_type: str) -> str:
        return f"{self.prefix}.{event_type}"

    @classmethod
    def of(cls, envelope: dict[str, Any]) -> StreamId:
        return cls(envelope["prison_id"], envelope["aggregate_type"], envelope["aggregate_id"])


@dataclass(frozen=True)
class NewEvent:
    """What a domain's decide() returns: an event not yet in the log."""

    type: str
    data: dict[str, Any]
    occurred_at: str
    schema_version: int = 1


@dataclass(frozen=True)
class CommandMeta:
    command_id: str
    actor: str
    correlation_id: str
    causation_id: str | None = None
    # "{CommandName} {sha256 of the canonical validated data}": sent as the `Pulih-Command`
    # header of each event (not part of the hashed envelope), so a reused command_id is told
    # from a retry. None for callers that have no command body (tests, internal timers).
    fingerprint: str | None = None


_NAMESPACE_BYTES = EVENT_ID_NAMESPACE.bytes


def event_id(command_id: str, index: int) -> str:
    """`str(uuid.uuid5(EVENT_ID_NAMESPACE, "{command_id}/{index}"))`, without building a UUID
    object (a fifth of the cost; tests/unit/test_envelope_fast.py holds it to uuid5)."""
    raw = bytearray(hashlib.sha1(_NAMESPACE_BYTES + f"{command_id}/{index}".encode(),
                                 usedforsecurity=False).digest()[:16])
    raw[6] = (raw[6] & 0x0F) | 0x50  # version 5
    raw[8] = (raw[8] & 0x3F) | 0x80  # RFC 4122 variant
    h = raw.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def canonical_json(value: Any, *, floats: bool = True) -> bytes:
    """Keys sorted, no spaces, UTF-8: the form the hash is computed over. orjson writes these
    very bytes for every JSON value but floats (every code point, every 64-bit integer, keys
    sorted alike: tested), and is 3–5× faster; so a value holding no float takes it:
    `floats=False` when the caller knows, else after a scan for floats (a third of the
    general path's time)."""
    if not floats or not _holds_float(value):
        with contextlib.suppress(TypeError):  # an integer beyond 64 bits: the general path
            return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


_PLAIN = frozenset({str, int, bool, type(None)})


def _holds_float(value: Any) -> bool:
    """Whether a JSON value holds a float anywhere, or a value that is not one of JSON's own
    (a tuple, a subclass: the general path decides how to write it, or refuses it). A key
    that is not a string, or an integer beyond 64 bits, makes orjson refuse: general path."""
    if type(value) is not dict and type(value) is not list:
        return type(value) not in _PLAIN
    pending = [value]
    while pending:
        item = pending.pop()
        for inner in item.values() if type(item) is dict else item:
            kind = type(inner)
            if kind is dict or kind is list:
                pending.append(inner)
            elif kind not in _PLAIN:
                return True
    return False


def compute_hash(envelope: dict[str, Any], *, floats: bool = True) -> str:
    body = {k: v for k, v in envelope.items() if k != "hash"}
    return hashlib.sha256(canonical_json(body, floats=floats)).hexdigest()


def seal(
    stream: StreamId,
    event: NewEvent,
    meta: CommandMeta,
    *,
    index: int,
    version: int,
    prev_hash: str,
    recorded_at: str,
) -> dict[str, Any]:
    """Build the full envelope of one new event, hash included."""
    envelope: dict[str, Any] = {
        "event_id": event_id(meta.command_id, index),
        "type": event.type,
        "schema_version": event.schema_version,
        "prison_id": stream.prison_id,
        "aggregate_type": stream.aggregate_type,
        "aggregate_id": stream.aggregate_id,
        "aggregate_version": version,
        "occurred_at": event.occurred_at,
        "recorded_at": recorded_at,
        "actor": meta.actor,
        "command_id": meta.command_id,
        "correlation_id": meta.correlation_id,
        "causation_id": meta.causation_id,
        "prev_hash": prev_hash,
        "data": event.data,
    }
    envelope["hash"] = compute_hash(envelope)
    return envelope


def instant(value: datetime) -> str:
    return value.isoformat(timespec="microseconds")


def date_instant(day: date | str) -> str:
    """A business date as the instant it starts in WIB."""
    if isinstance(day, str):
        day = date.fromisoformat(day)
    return datetime.combine(day, time(0), WIB).isoformat()


def occurred_on(occurred_at: str) -> date:
    """The business date of an instant, in WIB."""
    return datetime.fromisoformat(occurred_at).astimezone(WIB).date()
