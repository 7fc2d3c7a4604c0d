"""Read-model projections: what a projection is, and the keyed-document shape most of them take."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import asyncpg

from shared.store import Recorded


@dataclass(frozen=True)
class Parked:
    """An event a projection could not apply: kept with the reason; the runner goes on."""

    seq: int
    reason: str


class Projection(Protocol):
    name: str
    # CREATE TABLE IF NOT EXISTS … with unqualified names: the runner sets the search_path to the
    # read-model schema it builds, so the same projection can build a live or a replayed copy.
    ddl: str

    async def apply(self, conn: asyncpg.Connection, batch: Sequence[Recorded]) -> list[Parked]:
        """Apply a batch inside the runner's transaction; return the events it had to park."""
        ...


class KeyedProjection(ABC):
    """A table of documents, one per key, each folded from the events that name that key.

    Per batch: one query loads the touched documents, `evolve` (pure) folds each event, one
    statement saves them. An event `evolve` rejects is parked; the rest of the batch goes on.
    """

    name: str
    ddl: str

    @abstractmethod
    def key(self, envelope: dict[str, Any]) -> Hashable | None:
        """The document this event touches, or None when the projection ignores it."""

    @abstractmethod
    def evolve(self, doc: dict[str, Any] | None, envelope: dict[str, Any]) -> dict[str, Any]:
        """The document after the event. Pure; raise to park the event."""

    @abstractmethod
    async def load(self, conn: asyncpg.Connection, keys: list[Hashable]) -> dict[Hashable, dict]:
        ...

    @abstractmethod
    async def save(self, conn: asyncpg.Connection, docs: dict[Hashable, dict]) -> None:
        ...

    async def apply(self, conn: asyncpg.Connection, batch: Sequence[Recorded]) -> list[Parked]:
        parked: list[Parked] = []
        keyed: list[tuple[Hashable, Recorded]] = []
        for record in batch:
            try:
                key = self.key(record.envelope)
            except Exception as exc:  # a malformed envelope must not stop the runner
                parked.append(Parked(record.seq, f"{self.name}: {type(exc).__name__}: {exc}"))
                continue
            if key is not None:
                keyed.append((key, record))
        if not keyed:
            return parked
        docs = await self.load(conn, list({k for k, _ in keyed}))
        changed: dict[Hashable, dict] = {}
        for key, record in keyed:
            try:
                changed[key] = docs[key] = self.evolve(docs.get(key), record.envelope)
            except Exception as exc:
                parked.append(Parked(record.seq, f"{self.name}: {type(exc).__name__}: {exc}"))
        if changed:
            await self.save(conn, changed)
        return parked
