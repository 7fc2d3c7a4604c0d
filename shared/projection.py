"""Read-model projections: what a projection is, and the keyed-document shape most of them take."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import asyncpg

from shared.store import Recorded


@dataclass(frozen=True)
class Parked:
    """An event a projection could not apply: kept with the reason; the runner goes on."""

    seq: int
    reason: str


@dataclass
class Folded:
    """A batch folded but not yet written: the documents it changed, the events it parked."""

    changed: dict[Hashable, dict[str, Any]] = field(default_factory=dict)
    parked: list[Parked] = field(default_factory=list)


class Projection(Protocol):
    name: str
    # CREATE TABLE IF NOT EXISTS … with unqualified names: the runner sets the search_path to the
    # read-model schema it builds, so the same projection can build a live or a replayed copy.
    ddl: str

    async def fold(self, conn: asyncpg.Connection, batch: Sequence[Recorded],
                   unsaved: Mapping[Hashable, dict[str, Any]]) -> Folded:
        """Read what the batch touches and fold it; `unsaved` holds documents of a batch being
        written right now, newer than what `conn` can see. Writes nothing."""
        ...

    async def save(self, conn: asyncpg.Connection, docs: dict[Hashable, dict]) -> None:
        """Write the changed documents, inside the runner's transaction."""
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
        """The document after the event. Pure (never changes `doc`); raise to park the event."""

    @abstractmethod
    async def load(self, conn: asyncpg.Connection, keys: list[Hashable]) -> dict[Hashable, dict]:
        ...

    @abstractmethod
    async def save(self, conn: asyncpg.Connection, docs: dict[Hashable, dict]) -> None:
        ...

    async def fold(self, conn: asyncpg.Connection, batch: Sequence[Recorded],
                   unsaved: Mapping[Hashable, dict[str, Any]]) -> Folded:
        out = Folded()
        keyed: list[tuple[Hashable, Recorded]] = []
        for record in batch:
            try:
                key = self.key(record.envelope)
            except Exception as exc:  # a malformed envelope must not stop the runner
                out.parked.append(Parked(record.seq, f"{self.name}: {type(exc).__name__}: {exc}"))
                continue
            if key is not None:
                keyed.append((key, record))
        if not keyed:
            return out
        keys = {k for k, _ in keyed}
        docs = {k: unsaved[k] for k in keys if k in unsaved}
        if missing := [k for k in keys if k not in docs]:
            docs.update(await self.load(conn, missing))
        for key, record in keyed:
            try:
                out.changed[key] = docs[key] = self.evolve(docs.get(key), record.envelope)
            except Exception as exc:
                out.parked.append(Parked(record.seq, f"{self.name}: {type(exc).__name__}: {exc}"))
        return out


async def apply(projection: Projection, conn: asyncpg.Connection, batch: Sequence[Recorded]
                ) -> list[Parked]:
    """Fold and save one batch on one connection (inside the caller's transaction)."""
    folded = await projection.fold(conn, batch, {})
    if folded.changed:
        await projection.save(conn, folded.changed)
    return folded.parked
