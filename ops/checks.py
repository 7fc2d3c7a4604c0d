"""The integrity checks of `pulih audit verify`: every hash, chain, version, schema, id, no hole.

`Verifier` checks one message at a time, in stream order, and raises `Broken` at the first
broken link; the live log and an export file (ops/verify.py) feed it the same `Entry`s.
Envelopes are checked exactly as stored, never upcast: the hash covers the stored form.
"""

from __future__ import annotations

import functools
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import orjson

from ops.actors import ActorCheck
from shared.contract.events import EVENT_AGGREGATES, EVENT_SCHEMAS
from shared.contract.validation import validate
from shared.envelope import ENVELOPE_FIELDS, EVENTS_PREFIX, compute_hash
from shared.identities import Identities

FIELDS = frozenset(ENVELOPE_FIELDS)


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
    actors: ActorCheck | None = None  # with identities: events by an actor unknown at the time

    def report(self) -> str:
        span = f", seq {self.first_seq}..{self.last_seq}" if self.events else ""
        lines = [f"audit verify: OK — {self.scope}: {self.events} events, {self.aggregates} "
                 f"aggregates{span}, {self.seconds:.2f} s"]
        width = max(map(len, self.types), default=0)
        lines += [f"  {t:<{width}}  {n}" for t, n in sorted(self.types.items())]
        if self.actors is not None:
            lines += self.actors.report()
        return printable("\n".join(lines)) + "\n"

    @property
    def warnings(self) -> int:
        return self.actors.count if self.actors is not None else 0


class Verifier:
    """`contiguous`: every stream sequence from `first_seq` on must be present (the whole log);
    else sequences only increase (one prison's subjects). `partial`: the log starts after
    sequence 1, so each aggregate's chain is checked from its first event seen."""

    def __init__(self, *, contiguous: bool = True, first_seq: int = 1, partial: bool = False,
                 identities: Identities | None = None):
        self.contiguous, self.first_seq, self.partial = contiguous, first_seq, partial
        self.actors = None if identities is None else ActorCheck(identities)
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
        if self.actors is not None:
            self.actors.check(e.seq, e.subject, env)

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
                       time.perf_counter() - started, self.actors)


def envelope_hash(envelope: dict[str, Any], exact: frozenset[str] = frozenset()) -> str:
    """`compute_hash` on its fast path where the envelope can hold no float: event types
    outside `exact` (those whose schema has a number field) that have a schema. An event of
    such a type holding a float fails its schema check anyway, so the verdict is the one of
    the general path."""
    kind = envelope.get("type")
    return compute_hash(envelope, floats=kind in exact or kind not in EVENT_AGGREGATES)


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



def printable(text: str) -> str:
    """Control characters escaped: stored text must not drive the auditor's terminal."""
    return "".join(c if c == "\n" or c.isprintable() else repr(c)[1:-1] for c in text)
