"""The event store: per-aggregate optimistic concurrency, idempotent commands, hot-aggregate cache.

The logic lives here once; a backend supplies only `_read` (an aggregate's events after a
sequence) and `_publish` (one checked append). The in-memory fake and JetStream share it, and the
contract suite in tests/contract runs against both.
"""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from shared.envelope import CommandMeta, NewEvent, StreamId, instant, seal
from shared.upcasting import upcast_records


@dataclass(frozen=True, slots=True)
class Recorded:
    seq: int
    envelope: dict[str, Any]

    @property
    def type(self) -> str:
        return self.envelope["type"]


@dataclass(frozen=True)
class History:
    """Everything one aggregate has recorded, in order."""

    stream: StreamId
    events: tuple[Recorded, ...] = ()

    @property
    def version(self) -> int:
        return self.events[-1].envelope["aggregate_version"] if self.events else 0

    @property
    def last_seq(self) -> int:
        return self.events[-1].seq if self.events else 0

    @property
    def last_hash(self) -> str:
        return self.events[-1].envelope["hash"] if self.events else ""

    def of_command(self, command_id: str) -> tuple[Recorded, ...]:
        return tuple(r for r in self.events if r.envelope["command_id"] == command_id)

    def result_of(self, command_id: str) -> Appended | None:
        """The original result of a command already in this history, for an idempotent retry."""
        prior = self.of_command(command_id)
        return _result(self.stream, prior, duplicate=True) if prior else None

    def extended(self, more: Sequence[Recorded]) -> History:
        return History(self.stream, self.events + tuple(more)) if more else self


@dataclass(frozen=True)
class Appended:
    stream: StreamId
    events: tuple[Recorded, ...]
    version: int
    duplicate: bool = False

    def reply(self) -> dict[str, Any]:
        return {
            "ok": True,
            "aggregate_id": self.stream.aggregate_id,
            "aggregate_version": self.version,
            "events": [
                {"event_id": r.envelope["event_id"], "type": r.type, "seq": r.seq}
                for r in self.events
            ],
        }


class WrongLastSequence(Exception):
    """The server refused an append: the aggregate moved on (JetStream err_code 10071)."""


class ConcurrencyConflict(Exception):
    """Another writer got there first. `history` is the aggregate as it now stands."""

    def __init__(self, history: History):
        super().__init__(f"{history.stream.prefix} is at version {history.version}")
        self.history = history


class StoreUnavailable(Exception):
    """The log cannot be reached; the caller may retry."""


def utc_now() -> datetime:
    return datetime.now(UTC)


class EventStore(ABC):
    # Hot aggregates only: a command's own aggregate right after the previous command on it
    # (ScheduleSession → HoldSession → CorrectAttendance) and the programs every session reads.
    # By count: a held session's history is ~12 KB of Python objects (20 marks), so 2,000 keep
    # a service near 60 MB above its baseline (measured: 10,000 took attendance to 166 MB).
    CACHE_SIZE = 2_000

    def __init__(self, *, clock: Callable[[], datetime] = utc_now, cache_size: int = CACHE_SIZE):
        self._clock = clock
        self._cache: OrderedDict[StreamId, History] = OrderedDict()
        self._cache_size = cache_size

    @abstractmethod
    async def _read(self, stream: StreamId, after: History) -> list[Recorded]:
        """The aggregate's events after those in `after` (stream sequence above its last), in
        order."""

    async def _read_many(self, wanted: Sequence[tuple[StreamId, History]]
                         ) -> list[list[Recorded]]:
        """`_read` for several aggregates; a backend may do it in one request."""
        return [await self._read(stream, after) for stream, after in wanted]

    @abstractmethod
    async def _publish(
        self, stream: StreamId, envelope: dict[str, Any], expected_last_seq: int
    ) -> tuple[int, bool]:
        """Append one event if the aggregate's last sequence is still `expected_last_seq`.

        Returns (stream sequence, duplicate). Raises WrongLastSequence when it is not.
        """

    @abstractmethod
    async def read_filter(
        self, subject_filter: str, from_seq: int = 1, *, raw: bool = False
    ) -> list[Recorded]:
        """Every event whose subject matches a NATS filter (`*`, `>`), from a sequence on,
        upcast to the current schema versions (what a fold needs); `raw=True` gives them exactly
        as stored (what the audit and hash-chain verification need)."""

    async def load(self, stream: StreamId, *, fresh: bool = True) -> History:
        """The aggregate's history. `fresh=False` trusts the cache: use it only for the aggregate
        about to be written, whose staleness the server's concurrency check will reveal. Any
        other aggregate a decision reads must be loaded fresh (read-your-writes)."""
        cached = self._cache.get(stream)
        if cached is not None and not fresh:
            self._cache.move_to_end(stream)
            return cached
        return (await self.load_many([stream]))[0]

    def cached(self, stream: StreamId) -> bool:
        return stream in self._cache

    async def load_many(self, streams: Sequence[StreamId]) -> list[History]:
        """Several aggregates, each fresh from the log (as `load(fresh=True)`), in one request
        where the backend can: a command reading another aggregate besides its own saves a
        round trip."""
        bases = [self._cache.get(stream) or History(stream) for stream in streams]
        news = await self._read_many(list(zip(streams, bases, strict=True)))
        histories = []
        for base, new in zip(bases, news, strict=True):
            # Upcast: folds meet current versions only; hashes stay as stored (last_hash too).
            history = base.extended(upcast_records(new))
            self._remember(history)
            histories.append(history)
        return histories

    async def append(
        self, history: History, events: Sequence[NewEvent], meta: CommandMeta
    ) -> Appended:
        """Append `events` after `history`, exactly once per command id, forever.

        A retried command (same command id) returns its original result and writes nothing,
        whether the retry meets a fresh cache or the server's sequence check.
        """
        prior = history.result_of(meta.command_id)
        if prior:
            return prior
        written: list[Recorded] = []
        last_seq, prev_hash, version = history.last_seq, history.last_hash, history.version
        now = instant(self._clock())
        for index, event in enumerate(events):
            version += 1
            envelope = seal(history.stream, event, meta, index=index, version=version,
                            prev_hash=prev_hash, recorded_at=now)
            try:
                seq, duplicate = await self._publish(history.stream, envelope, last_seq)
            except WrongLastSequence:
                current = await self.load(history.stream, fresh=True)
                prior = current.result_of(meta.command_id)
                if prior:
                    return prior
                raise ConcurrencyConflict(current) from None
            if duplicate:  # inside the server's window, with our own sequence: already written
                current = await self.load(history.stream, fresh=True)
                prior = current.result_of(meta.command_id)
                if prior:
                    return prior
                raise ConcurrencyConflict(current)
            written.append(Recorded(seq, envelope))
            last_seq, prev_hash = seq, envelope["hash"]
        self._remember(history.extended(written))
        return _result(history.stream, tuple(written), duplicate=False) if written else Appended(
            history.stream, (), history.version)

    def _remember(self, history: History) -> None:
        self._cache[history.stream] = history
        self._cache.move_to_end(history.stream)
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)


def _result(stream: StreamId, events: Sequence[Recorded], duplicate: bool) -> Appended:
    return Appended(stream, tuple(events), events[-1].envelope["aggregate_version"], duplicate)


class InMemoryEventStore(EventStore):
    """A fake with the server's semantics (per-subject sequence check), for unit tests."""

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self.log: list[Recorded] = []

    async def _read(self, stream: StreamId, after: History) -> list[Recorded]:
        await asyncio.sleep(0)  # a suspension point, as real I/O has: lets writers interleave
        return [r for r in self.log
                if r.seq > after.last_seq and StreamId.of(r.envelope) == stream]

    async def read_filter(
        self, subject_filter: str, from_seq: int = 1, *, raw: bool = False
    ) -> list[Recorded]:
        await asyncio.sleep(0)
        records = [r for r in self.log[from_seq - 1 :]
                   if subject_matches(subject_filter, subject_of(r.envelope))]
        return records if raw else upcast_records(records)

    async def _publish(
        self, stream: StreamId, envelope: dict[str, Any], expected_last_seq: int
    ) -> tuple[int, bool]:
        await asyncio.sleep(0)
        mine = [r.seq for r in self.log if StreamId.of(r.envelope) == stream]
        if (mine[-1] if mine else 0) != expected_last_seq:
            raise WrongLastSequence(stream.prefix)
        self.log.append(Recorded(len(self.log) + 1, envelope))
        return len(self.log), False


def subject_of(envelope: dict[str, Any]) -> str:
    return StreamId.of(envelope).subject(envelope["type"])


def subject_matches(subject_filter: str, subject: str) -> bool:
    """NATS subject matching: `*` is one token, a final `>` is one or more."""
    want, have = subject_filter.split("."), subject.split(".")
    for i, token in enumerate(want):
        if token == ">":
            return len(have) > i
        if i >= len(have) or (token != "*" and token != have[i]):
            return False
    return len(want) == len(have)
