"""Folds histories into states, keeping the last state per aggregate."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

from shared.contract.events import Fact, decode
from shared.envelope import StreamId
from shared.history import History

S = TypeVar("S")
Evolve = Callable[[S | None, Fact], S]
FoldMany = Callable[[S | None, Sequence[Fact]], S | None]


class Folder(Generic[S]):
    """A hot aggregate costs only its new events: each is decoded (via the contract's registry)
    and folded once per instance."""

    def __init__(self, evolve: Evolve, size: int = 2_000, *, fold_many: FoldMany | None = None):
        """`fold_many`, when given, folds a run of new events in one call (a state that is
        costly to copy per event, e.g. a roster of thousands)."""
        self._evolve = evolve
        self._fold_many = fold_many
        self._cache: OrderedDict[StreamId, tuple[int, str, S | None]] = OrderedDict()
        self._size = size

    def __call__(self, history: History) -> S | None:
        version, last_hash, state = self._cache.get(history.stream, (0, "", None))
        # The state folds exactly this history's first `version` events, or it starts again
        # (a history re-read after the log went backwards may differ at the same version).
        if version > history.version or (
                version and history.events[version - 1].envelope["hash"] != last_hash):
            version, state = 0, None
        new = [decode(record.envelope) for record in history.events[version:]]
        if self._fold_many is not None:
            state = self._fold_many(state, new)
        else:
            for fact in new:
                state = self._evolve(state, fact)
        self._cache[history.stream] = (history.version, history.last_hash, state)
        self._cache.move_to_end(history.stream)
        if len(self._cache) > self._size:
            self._cache.popitem(last=False)
        return state
