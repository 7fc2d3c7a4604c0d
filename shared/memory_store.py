"""The in-memory event store: a fake with the server's semantics, for tests."""

from __future__ import annotations

import asyncio
from typing import Any

from shared.envelope import StreamId
from shared.history import History, Recorded
from shared.store import Claim, EventStore, WrongLastSequence


class InMemoryEventStore(EventStore):
    """A fake with the server's semantics (per-subject sequence check), for unit tests.
    Stores made to share a log share `log` and `claims`."""

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self.log: list[Recorded] = []
        self.claims: dict[str, Claim] = {}
        # Each stream's records, indexed as the log grows (a demo-sized log is thousands of
        # records: scanning it on every read made loading one quadratic). Rebuilt whenever the
        # log is another list, shorter, or its last indexed record is not the one indexed.
        self._indexed: tuple[int, int, Recorded | None] = (0, 0, None)
        self._streams: dict[StreamId, list[Recorded]] = {}

    def _mine(self, stream: StreamId) -> list[Recorded]:
        log, (log_id, count, last) = self.log, self._indexed
        if log_id != id(log) or count > len(log) or (count and log[count - 1] is not last):
            self._streams, count = {}, 0
        for record in log[count:]:
            self._streams.setdefault(StreamId.of(record.envelope), []).append(record)
        self._indexed = (id(log), len(log), log[-1] if log else None)
        return self._streams.get(stream, [])

    def another(self) -> InMemoryEventStore:
        """Another writer over the same log (its own cache), as another instance would be."""
        store = InMemoryEventStore(clock=self._clock, cache_size=self._cache_size)
        store.log, store.claims = self.log, self.claims
        return store

    async def _read(self, stream: StreamId, after: History) -> list[Recorded] | None:
        await asyncio.sleep(0)  # a suspension point, as real I/O has: lets writers interleave
        mine = self._mine(stream)
        if after.events and not any(r.seq == after.last_seq
                                    and r.envelope["hash"] == after.last_hash for r in mine):
            return None
        return [r for r in mine if r.seq > after.last_seq]

    async def prisons_of(self, aggregate_type: str, aggregate_id: str) -> set[str]:
        await asyncio.sleep(0)
        return {r.envelope["prison_id"] for r in self.log
                if (r.envelope["aggregate_type"], r.envelope["aggregate_id"])
                == (aggregate_type, aggregate_id)}

    async def _read_filter(self, subject_filter: str, from_seq: int) -> list[Recorded]:
        await asyncio.sleep(0)
        return [r for r in self.log[from_seq - 1 :]
                if subject_matches(subject_filter, subject_of(r.envelope))]

    async def _publish(self, stream: StreamId, envelope: dict[str, Any], expected_last_seq: int,
                       command: str | None) -> tuple[int, bool]:
        await asyncio.sleep(0)
        mine = self._mine(stream)
        if (mine[-1].seq if mine else 0) != expected_last_seq:
            raise WrongLastSequence(stream.prefix)
        self.log.append(Recorded(len(self.log) + 1, envelope, command))
        return len(self.log), False

    async def _claim(self, command_id: str, claim: Claim) -> Claim | None:
        await asyncio.sleep(0)
        held = self.claims.setdefault(command_id, claim)
        return None if held is claim else held


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
