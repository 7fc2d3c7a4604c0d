"""Verify the log's integrity, live or an export: every hash, chain, version, schema, id, no hole.

`Verifier` checks one message at a time, in stream order, and raises `Broken` at the first
broken link; the live log (`verify_live`) and an export file (`verify_file`) feed it the same
`Entry`s. Envelopes are checked exactly as stored, never upcast: the hash covers the stored form.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from nats.aio.client import Client

from ops.events import (
    FORMAT,
    HEADER,
    MSG_ID,
    TRAILER,
    LogMessage,
    read_log,
    stream_state,
    subject_filter,
)
from shared.envelope import ENVELOPE_FIELDS, EVENTS_PREFIX, STREAM, compute_hash
from shared.schemas import EVENT_AGGREGATES, EVENT_SCHEMAS, validate

FIELDS = frozenset(ENVELOPE_FIELDS)
WHOLE_LOG = f"{EVENTS_PREFIX}.>"
MESSAGE_KEYS = {1: ("seq", "subject", "msg_id"),  # format → a message line's keys (+ body)
                2: ("seq", "subject", "time", "msg_id", "headers")}
FORMATS = frozenset(MESSAGE_KEYS)


@dataclass(frozen=True, slots=True)
class Entry:
    """One message to check: its stream sequence, subject, Nats-Msg-Id and parsed body (None
    when the body is not a JSON object); `where` locates it in a file ("line 18")."""

    seq: int
    subject: str
    msg_id: str | None
    envelope: dict[str, Any] | None
    where: str = ""


class Broken(Exception):
    """The first broken link: which check, where, and what was expected against what was found."""

    def __init__(self, check: str, message: str, entry: Entry | None = None, *,
                 expected: Any = None, found: Any = None, where: str = ""):
        super().__init__(f"{check}: {message}")
        self.check, self.message, self.entry = check, message, entry
        self.expected, self.found = expected, found
        self.where = where or (entry.where if entry else "")

    def report(self) -> str:
        entry, env = self.entry, (self.entry.envelope if self.entry else None) or {}
        place = ", ".join(p for p in (self.where, f"seq {entry.seq}" if entry else "") if p)
        lines = [f"audit verify: BROKEN{' at ' + place if place else ''}: {self.check}",
                 f"  what:      {self.message}"]
        if entry is not None:
            lines.append(f"  subject:   {entry.subject}")
            if {"prison_id", "aggregate_type", "aggregate_id"} <= env.keys():
                lines.append(f"  aggregate: {env['aggregate_type']} {env['aggregate_id']} in "
                             f"{env['prison_id']}, version {env.get('aggregate_version')}, "
                             f"{env.get('type')}")
        if self.expected is not None or self.found is not None:
            lines += [f"  expected:  {self.expected}", f"  found:     {self.found}"]
        return printable("\n".join(lines)) + "\n"


@dataclass
class Summary:
    scope: str
    events: int
    aggregates: int
    first_seq: int | None
    last_seq: int | None
    types: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0

    def report(self) -> str:
        span = f", seq {self.first_seq}..{self.last_seq}" if self.events else ""
        lines = [f"audit verify: OK — {self.scope}: {self.events} events, {self.aggregates} "
                 f"aggregates{span}, {self.seconds:.2f} s"]
        width = max(map(len, self.types), default=0)
        lines += [f"  {t:<{width}}  {n}" for t, n in sorted(self.types.items())]
        return "\n".join(lines) + "\n"


class Verifier:
    """`contiguous`: every stream sequence from `first_seq` on must be present (the whole log);
    else sequences only increase (one prison's subjects). `partial`: the log starts after
    sequence 1, so each aggregate's chain is checked from its first event seen."""

    def __init__(self, *, contiguous: bool = True, first_seq: int = 1, partial: bool = False):
        self.contiguous, self.first_seq, self.partial = contiguous, first_seq, partial
        self.count, self.first, self.last = 0, None, 0
        self.chains: dict[tuple[str, str, str], tuple[int, str]] = {}
        self.event_ids: set[bytes] = set()
        self.types: Counter[str] = Counter()
        self.exact = types_with_numbers()

    def check(self, e: Entry) -> None:
        self._sequence(e)
        env = e.envelope
        if env is None:
            raise Broken("body", "the message body is not a JSON object", e)
        if env.keys() != FIELDS:
            raise Broken("envelope", "the envelope's fields are not the contract's", e,
                         expected="missing none, unknown none",
                         found=f"missing {sorted(FIELDS - env.keys()) or 'none'}, unknown "
                               f"{sorted(env.keys() - FIELDS) or 'none'}")
        recomputed = envelope_hash(env, self.exact)
        if env["hash"] != recomputed:
            raise Broken("hash", "hash is not the SHA-256 of the envelope's canonical JSON "
                         "without `hash`", e, expected=recomputed, found=env["hash"])
        problems = validate(env)
        if problems:
            raise Broken("schema", "; ".join(problems), e)
        subject = (f"{EVENTS_PREFIX}.{env['prison_id']}.{env['aggregate_type']}."
                   f"{env['aggregate_id']}.{env['type']}")
        if e.subject != subject:
            raise Broken("subject", "the subject does not match the envelope", e,
                         expected=subject, found=e.subject)
        if e.msg_id != env["event_id"]:
            raise Broken("msg_id", "the Nats-Msg-Id header is not the event_id", e,
                         expected=env["event_id"], found=e.msg_id)
        event_id = bytes.fromhex(env["event_id"].replace("-", ""))
        if event_id in self.event_ids:
            raise Broken("event_id", "event_id already used by an earlier event", e,
                         found=env["event_id"])
        self.event_ids.add(event_id)
        self._chain(e, env)
        self.types[env["type"]] += 1

    def _sequence(self, e: Entry) -> None:
        if self.contiguous:
            expected = self.last + 1 if self.count else self.first_seq
            if e.seq != expected:
                what = (f"{e.seq - expected} message(s) missing before it (a hole)"
                        if e.seq > expected else "out of order or repeated")
                raise Broken("sequence", what, e, expected=expected, found=e.seq)
        elif e.seq <= self.last or e.seq < self.first_seq:
            raise Broken("sequence", "sequences must increase", e,
                         expected=f"> {max(self.last, self.first_seq - 1)}", found=e.seq)
        self.count, self.last = self.count + 1, e.seq
        if self.first is None:
            self.first = e.seq

    def _chain(self, e: Entry, env: dict[str, Any]) -> None:
        key = (env["prison_id"], env["aggregate_type"], env["aggregate_id"])
        version, prev_hash = env["aggregate_version"], env["prev_hash"]
        before = self.chains.get(key)
        if before is None and not self.partial:
            if version != 1:
                raise Broken("version", "an aggregate's first event has aggregate_version 1",
                             e, expected=1, found=version)
            if prev_hash != "":
                raise Broken("chain", "an aggregate's first event has prev_hash \"\"", e,
                             expected='""', found=prev_hash)
        elif before is not None:
            if version != before[0] + 1:
                raise Broken("version", f"aggregate_version must follow {before[0]} without "
                             "a gap", e, expected=before[0] + 1, found=version)
            if prev_hash != before[1]:
                raise Broken("chain", "prev_hash is not the hash of the aggregate's previous "
                             "event", e, expected=before[1], found=prev_hash)
        self.chains[key] = (version, env["hash"])

    def summary(self, scope: str, started: float) -> Summary:
        return Summary(scope, self.count, len(self.chains), self.first,
                       self.last if self.count else None, self.types,
                       time.perf_counter() - started)


def envelope_hash(envelope: dict[str, Any], exact: frozenset[str] = frozenset()) -> str:
    """`shared.envelope.compute_hash`, 3–5× faster: orjson writes the same canonical bytes as
    Python's json (every code point, every 64-bit integer, keys sorted alike: tested) except for
    some floats (`1e-05`). So the reference path is taken for event types in `exact` (those
    whose schema has a number field) and types without a schema; an event of any other type
    holding a float fails its schema check anyway, so the verdict is the reference one."""
    if envelope.get("type") in exact or envelope.get("type") not in EVENT_AGGREGATES:
        return compute_hash(envelope)
    try:
        body = orjson.dumps({k: v for k, v in envelope.items() if k != "hash"},
                            option=orjson.OPT_SORT_KEYS)
    except TypeError:  # an integer beyond 64 bits
        return compute_hash(envelope)
    return hashlib.sha256(body).hexdigest()


def types_with_numbers() -> frozenset[str]:
    """Event types whose `data` may hold a float, in any registered version."""
    return _types_with_numbers(tuple(EVENT_SCHEMAS.items()))


@functools.cache
def _types_with_numbers(registry: tuple[tuple[tuple[str, int], type], ...]) -> frozenset[str]:
    return frozenset(kind for (kind, _), model in registry
                     if b'"type":"number"' in orjson.dumps(model.model_json_schema()))


def verify(entries: Iterable[Entry], verifier: Verifier | None = None,
           scope: str = "entries") -> Summary:
    """Check every entry in order; the summary, or `Broken` at the first broken link."""
    started, verifier = time.perf_counter(), verifier or Verifier()
    for entry in entries:
        verifier.check(entry)
    return verifier.summary(scope, started)


def entry(message: LogMessage) -> Entry:
    try:
        body = orjson.loads(message.body)
    except orjson.JSONDecodeError:
        body = None
    return Entry(message.seq, message.subject, message.msg_id,
                 body if isinstance(body, dict) else None)


async def verify_live(nc: Client, prison: str | None = None) -> Summary:
    """The log as it is when the walk starts: every message up to the stream's last sequence."""
    started, state = time.perf_counter(), await stream_state(nc)
    verifier = Verifier(contiguous=prison is None)
    if prison is None and state.messages and state.first_seq != 1:
        raise Broken("sequence", f"the stream starts at seq {state.first_seq}: messages before "
                     "it are gone", expected=1, found=state.first_seq)
    async for batch in read_log(nc, subject_filter(prison), 1, state.last_seq):
        for message in batch:
            verifier.check(entry(message))
    if prison is None and verifier.last != state.last_seq:
        raise Broken("sequence", "the walk ended before the stream's last sequence",
                     expected=state.last_seq, found=verifier.last)
    scope = f"prison {prison} in {STREAM}" if prison else f"the whole log ({STREAM})"
    return verifier.summary(scope, started)


def verify_file(path: Path) -> Summary:
    """An export file of `pulih events export`."""
    with path.open("rb") as lines:
        return verify_lines(lines, str(path))


def verify_lines(lines: Iterable[bytes], name: str = "export") -> Summary:
    """An export's lines: the header, every message, then the trailer's count and digest."""
    started, digest = time.perf_counter(), hashlib.sha256()
    numbered = enumerate(lines, 1)
    n, raw = next(numbered, (1, b""))
    header = _line(raw, n).get(HEADER)
    if not (isinstance(header, dict) and header.get("format") in FORMATS
            and isinstance(header.get("filter"), str) and _seq(header.get("from_seq"), 1)
            and _seq(header.get("stream_last_seq"), 0)):
        raise Broken("header", "the file does not start with a pulih export header",
                     where="line 1")
    digest.update(raw)
    filter_, from_seq = header["filter"], header["from_seq"]
    verifier = Verifier(contiguous=filter_ == WHOLE_LOG, first_seq=from_seq,
                        partial=from_seq != 1)
    end = None
    for n, raw in numbered:
        line = _line(raw, n)
        if end is not None:
            raise Broken("trailer", "lines after the export's trailer", where=f"line {n}")
        if TRAILER in line:
            end = line[TRAILER]
            continue
        digest.update(raw)
        verifier.check(_file_entry(line, n, header["format"]))
    if not isinstance(end, dict):
        raise Broken("trailer", "the file ends without the export's trailer: it is truncated",
                     where=f"line {n + 1}")
    found = {"events": verifier.count, "last_seq": verifier.last, "sha256": digest.hexdigest()}
    for key, value in found.items():
        if end.get(key) != value:
            raise Broken("trailer", f"the trailer's {key} does not match the lines before it "
                         "(lines removed or changed)", where=f"line {n}",
                         expected=end.get(key), found=value)
    if verifier.contiguous and verifier.count and verifier.last != header["stream_last_seq"]:
        raise Broken("sequence", "the export ends before the log's last sequence at export "
                     "time", where=f"line {n}", expected=header["stream_last_seq"],
                     found=verifier.last)
    return verifier.summary(f"{name} ({filter_} from seq {from_seq})", started)


def _seq(value: Any, least: int) -> bool:
    return type(value) is int and value >= least


def _line(raw: bytes, n: int) -> dict[str, Any]:
    where = f"line {n}"
    if not raw.endswith(b"\n"):
        raise Broken("line", "the line is not terminated: the file is truncated", where=where)
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise Broken("line", f"not valid JSON ({exc})", where=where) from None
    if not isinstance(value, dict):
        raise Broken("line", "not a JSON object", where=where)
    if orjson.dumps(value) + b"\n" != raw:
        raise Broken("line", "the line is not in the export's exact form: bytes were changed",
                     where=where)
    return value


def _file_entry(line: dict[str, Any], n: int, fmt: int = FORMAT) -> Entry:
    keys, where = line.keys() - {"envelope", "raw"}, f"line {n}"
    seq, subject, msg_id = line.get("seq"), line.get("subject"), line.get("msg_id")
    if (keys != set(MESSAGE_KEYS[fmt]) or len(line) != len(keys) + 1 or type(seq) is not int
            or not isinstance(subject, str) or not isinstance(msg_id, str | None)
            or not isinstance(line.get("time"), str | None)):
        raise Broken("line", f"not an export message line {{{', '.join(MESSAGE_KEYS[fmt])}, "
                     "envelope}", where=where)
    headers = line.get("headers")
    if fmt >= 2 and not (headers is None and msg_id is None or isinstance(headers, dict) and all(
            isinstance(v, str) for v in headers.values()) and headers.get(MSG_ID) == msg_id):
        raise Broken("line", "the line's headers are not a name → text map holding its msg_id",
                     where=where)
    envelope = line.get("envelope")
    if "raw" in line:  # bytes kept as stored: an envelope Pulih did not write is checked too
        envelope = _raw_object(line["raw"], where)
    return Entry(seq, subject, msg_id, envelope if isinstance(envelope, dict) else None, where)


def _raw_object(raw: Any, where: str) -> Any:
    try:
        return orjson.loads(base64.b64decode(raw, validate=True))
    except (TypeError, ValueError):  # binascii.Error and orjson's error are ValueErrors
        if not isinstance(raw, str):
            raise Broken("line", "`raw` is not base64 text", where=where) from None
        return None


# --- history --------------------------------------------------------------------------------


def printable(text: str) -> str:
    """Control characters escaped: stored text must not drive the auditor's terminal."""
    return "".join(c if c == "\n" or c.isprintable() else repr(c)[1:-1] for c in text)
