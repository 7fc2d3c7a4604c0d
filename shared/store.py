"""The event store: per-aggregate optimistic concurrency, idempotent commands, hot-aggregate cache.

The logic lives here once; a backend supplies only `_read` (an aggregate's events after a
sequence), `_publish` (one checked append) and `_claim` (bind a command id to its command, for
ever). The in-memory fake (shared/memory_store.py) and JetStream share it, and the contract
suite in tests/contract runs against both.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from shared.contract.events import upcast_records
from shared.envelope import CommandMeta, NewEvent, StreamId, instant, seal, subject_filter
from shared.history import (
    Appended,
    History,
    Recorded,
    command_id_used,
    result,
    same_command,
)


class WrongLastSequence(Exception):
    """The server refused an append: the aggregate moved on (JetStream err_code 10071)."""


class ConcurrencyConflict(Exception):
    """Another writer got there first. `history` is the aggregate as it now stands."""

    def __init__(self, history: History):
        super().__init__(f"{history.stream.prefix} is at version {history.version}")
        self.history = history


class StoreUnavailable(Exception):
    """The log cannot be reached; the caller may retry."""


class TooManyEvents(ValueError):
    """A command decided more than one event: the store cannot append them all or nothing yet
    (see README, "The event log"), so it refuses rather than risk half a command."""


@dataclass(frozen=True)
class Claim:
    """What a command id is bound to: the aggregate (subject prefix) and the command's
    fingerprint (None when the caller gave none)."""

    aggregate: str
    command: str | None

    def same(self, other: Claim) -> bool:
        return self.aggregate == other.aggregate and same_command(self.command, other.command)


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
    async def _read(self, stream: StreamId, after: History) -> list[Recorded] | None:
        """The aggregate's events after those in `after` (stream sequence above its last), in
        order; None when the log no longer holds `after`'s last event where `after` says (the
        log went backwards: a recreated or restored stream, a lost unsynced tail)."""

    async def _read_many(self, wanted: Sequence[tuple[StreamId, History]]
                         ) -> list[list[Recorded] | None]:
        """`_read` for several aggregates; a backend may do it in one request."""
        return [await self._read(stream, after) for stream, after in wanted]

    @abstractmethod
    async def _publish(self, stream: StreamId, envelope: dict[str, Any], expected_last_seq: int,
                       command: str | None) -> tuple[int, bool]:
        """Append one event if the aggregate's last sequence is still `expected_last_seq`,
        with the command's fingerprint beside it (not in the envelope).

        Returns (stream sequence, duplicate). Raises WrongLastSequence when it is not.
        """

    @abstractmethod
    async def _claim(self, command_id: str, claim: Claim) -> Claim | None:
        """Bind `command_id` to `claim` unless it is bound already, atomically across every
        writer; returns the earlier binding, or None when this call made it."""

    @abstractmethod
    async def prisons_of(self, aggregate_type: str, aggregate_id: str) -> set[str]:
        """The prisons in which an aggregate of this type and id has recorded events (ids are
        unique within a prison only); read from the log, never from the cache."""

    @abstractmethod
    async def _read_filter(self, subject_filter: str, from_seq: int) -> list[Recorded]:
        """Every event, as stored, whose subject matches a NATS filter, from a sequence on."""

    async def read(self, prison_id: str | None = None, aggregate_type: str | None = None,
                   aggregate_id: str | None = None, event_type: str | None = None, *,
                   from_seq: int = 1, raw: bool = False) -> list[Recorded]:
        """Every event matching each field given (None: any), from a sequence on, upcast to
        the current schema versions (what a fold needs); `raw=True` gives them exactly as stored
        (what the audit and hash-chain verification need)."""
        records = await self._read_filter(subject_filter(
            prison_id, event_type, aggregate_type=aggregate_type, aggregate_id=aggregate_id),
            from_seq)
        return records if raw else upcast_records(records)

    async def load(self, stream: StreamId, *, fresh: bool = True) -> History:
        """The aggregate's history. `fresh=False` trusts the cache: use it only for the aggregate
        about to be written, whose staleness the server's concurrency check will reveal. Any
        other aggregate a decision reads must be loaded fresh (read-your-writes)."""
        cached = self._cache.get(stream)
        if cached is not None and not fresh:
            self._cache.move_to_end(stream)
            return cached
        return (await self.load_many([stream]))[0]

    async def load_for_decision(
        self, target: StreamId, others: Sequence[StreamId], *, fresh: bool = False,
        known: History | None = None,
    ) -> tuple[History, list[History]]:
        """The aggregate a command writes and the others its decision reads, in one request.

        The others always come fresh from the log (read-your-writes: a cached state of another
        aggregate may predate a write another instance acknowledged). The target comes from
        `known` (the history a conflict returned), else from the cache unless `fresh`: if it is
        stale, the append's sequence check says so and the command is decided again.
        """
        history = known
        if history is None and not fresh:
            history = self._cache.get(target)
            if history is not None:
                self._cache.move_to_end(target)
        if history is not None:
            return history, await self.load_many(others) if others else []
        histories = await self.load_many([target, *others])
        return histories[0], histories[1:]

    async def read_aggregate_type(self, aggregate_type: str,
                                  prison_id: str | None = None) -> list[History]:
        """Every aggregate of a type (in one prison, or in all), each as its history, upcast
        (what a fold needs), in the order each first appears in the log."""
        by_stream: dict[StreamId, list[Recorded]] = {}
        for record in await self.read(prison_id, aggregate_type):
            by_stream.setdefault(StreamId.of(record.envelope), []).append(record)
        return [History(stream, tuple(records)) for stream, records in by_stream.items()]

    async def load_many(self, streams: Sequence[StreamId]) -> list[History]:
        """Several aggregates, each fresh from the log (as `load(fresh=True)`), in one request
        where the backend can: a command reading another aggregate besides its own saves a
        round trip."""
        bases = [self._cache.get(stream) or History(stream) for stream in streams]
        news = await self._read_many(list(zip(streams, bases, strict=True)))
        histories = []
        for stream, base, new in zip(streams, bases, news, strict=True):
            if new is None or not _continues(base, new):
                # The cache holds events the log no longer has (or not in this order): never
                # decide on that base. Forget it and read the aggregate from its start.
                self._cache.pop(stream, None)
                base, new = History(stream), await self._read(stream, History(stream)) or []
            # Upcast: folds meet current versions only; hashes stay as stored (last_hash too).
            history = base.extended(upcast_records(new))
            self._remember(history)
            histories.append(history)
        return histories

    async def append(
        self, history: History, events: Sequence[NewEvent], meta: CommandMeta
    ) -> Appended:
        """Append a command's event after `history`, exactly once per command id, forever.

        A retried command (same command id, name, aggregate and data) returns its original
        result and writes nothing, whether the retry meets a fresh cache or the server's
        sequence check; the same id for anything else is refused (`conflict`). At most one
        event: a command's events must be stored all or nothing, which one publish is.
        """
        prior = history.result_of(meta)
        if prior:
            return prior
        if not events:
            return Appended(history.stream, (), history.version)
        if len(events) > 1:
            raise TooManyEvents(f"{len(events)} events from one command; at most 1 is atomic")
        await self._bind(history.stream, meta)
        envelope = seal(history.stream, events[0], meta, index=0, version=history.version + 1,
                        prev_hash=history.last_hash, recorded_at=instant(self._clock()))
        try:
            seq, duplicate = await self._publish(history.stream, envelope, history.last_seq,
                                                 meta.fingerprint)
        except WrongLastSequence:
            current = await self.load(history.stream, fresh=True)
            prior = current.result_of(meta)
            if prior:
                return prior
            raise ConcurrencyConflict(current) from None
        if duplicate:  # inside the server's window: the event id is in the log already
            current = await self.load(history.stream, fresh=True)
            prior = current.result_of(meta)
            if prior:
                return prior
            # ... but not on this aggregate: the id was used elsewhere before it was claimed.
            raise command_id_used("another aggregate")
        written = Recorded(seq, envelope, meta.fingerprint)
        self._remember(history.extended([written]))
        return result(history.stream, [written], duplicate=False)

    async def _bind(self, stream: StreamId, meta: CommandMeta) -> None:
        """A command id names one command on one aggregate for ever (contract v2), across
        aggregates too, which no history can show: the first command to reach its append binds
        the id, and anything else that comes with it later is refused."""
        claim = Claim(stream.prefix, meta.fingerprint)
        held = await self._claim(meta.command_id, claim)
        if held is not None and not held.same(claim):
            raise command_id_used("another aggregate" if held.aggregate != claim.aggregate
                                  else "a different command on this aggregate")

    def _remember(self, history: History) -> None:
        self._cache[history.stream] = history
        self._cache.move_to_end(history.stream)
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)


def _continues(base: History, new: Sequence[Recorded]) -> bool:
    """Whether events read after a cached history carry on its hash chain."""
    if not new or not base.events:
        return True
    first = new[0].envelope
    return (first["aggregate_version"] == base.version + 1
            and first["prev_hash"] == base.last_hash)
