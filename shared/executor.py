"""The command executor: the kernel runs each service's table of commands.

A service declares, per command, a row: its data model, the aggregate it writes (and the
field naming it), the other aggregates its decision reads, and its pure `decide`. On each try
the executor does one batched read (the aggregate to write, from the store's cache when it
holds it, and every other aggregate fresh from the log: read-your-writes) → fold → decide →
append, and on a concurrent writer tries again on the fresh history.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import reduce
from typing import Any

from pydantic import BaseModel

from shared.contract.events import decode
from shared.envelope import WIB, CommandMeta, NewEvent, StreamId
from shared.errors import Rejected
from shared.folder import Evolve, Folder, FoldMany
from shared.history import Appended, History
from shared.identities import Identities
from shared.metrics import appended as count_appended
from shared.store import ConcurrencyConflict, EventStore
from shared.uniqueness import refuse_id_of_another_prison

MAX_TRIES = 5


@dataclass
class Context:
    """What the composition root hands the executor: the log, the clock, and who may send
    commands (None: an open server, every sender trusted, as before identities existed)."""

    store: EventStore
    clock: Callable[[], datetime]
    identities: Identities | None = None

    def today(self) -> date:
        return business_date(self.clock())


def business_date(now: datetime) -> date:
    """The prisons' date at an instant (WIB): what date rules are judged by."""
    return now.astimezone(WIB).date()


@dataclass(frozen=True)
class Reads:
    """Another aggregate a decision reads: the one the command's `id_field` names (none when
    the field is null), folded by `evolve` and passed to `decide` as keyword `name`.

    With `scan` (an event type), not one aggregate but every event of that type on this
    prison's aggregates of type `aggregate`, fresh from the log in log order, folded by
    `fold_many` (or `evolve`): for a rule no single aggregate can answer. Read only when
    `id_field` is not null (a scan costs one read of all those events: keep it for rare
    commands). Like the id check of a create, it is not atomic with the append."""

    name: str
    aggregate: str
    id_field: str
    evolve: Evolve
    fold_many: FoldMany | None = None
    scan: str | None = None


@dataclass(frozen=True)
class Command:
    """One row of a service's table. `decide(state, command, now, **reads)` is pure."""

    model: type[BaseModel]
    aggregate: str
    id_field: str
    evolve: Evolve
    decide: Callable[..., Sequence[NewEvent]]
    reads: tuple[Reads, ...] = ()
    # A create: refused when another prison already uses the id (shared/uniqueness.py).
    creates: bool = False
    # False: issued by the service itself (a timer), never over the public subject.
    public: bool = True
    # True: `decide` also gets the prison of the command's subject, as keyword `prison_id`.
    prison: bool = False
    # The aggregate id from the subject's prison, for an aggregate the body does not name (a
    # prison's own: shared/prisons.py); `id_field` is then unused.
    derive_id: Callable[[str], str] | None = None
    # True: only a region identity covering the prison may send it, never an officer
    # (shared/regions.py, checked at the edge).
    region: bool = False


Table = Mapping[str, Command]


class Executor:
    """Runs one service's table; keeps the last folded state per aggregate and fold."""

    def __init__(self, ctx: Context, table: Table):
        self.ctx, self.table = ctx, table
        self._folders: dict[tuple[Evolve, FoldMany | None], Folder] = {}

    def fold(self, evolve: Evolve, history: History, fold_many: FoldMany | None = None) -> Any:
        folder = self._folders.get((evolve, fold_many))
        if folder is None:
            folder = self._folders[(evolve, fold_many)] = Folder(evolve, fold_many=fold_many)
        return folder(history)

    def stream(self, name: str, prison_id: str, command: BaseModel) -> StreamId:
        row = self.table[name]
        aggregate_id = (row.derive_id(prison_id) if row.derive_id is not None
                        else getattr(command, row.id_field))
        return StreamId(prison_id, row.aggregate, aggregate_id)

    async def run(self, name: str, prison_id: str, command: BaseModel, meta: CommandMeta,
                  expected_version: int | None) -> Appended:
        """Load, decide, append; on a concurrent writer, decide again on the fresh history.

        A command already in the history returns its original result before anything is
        checked, so a retry succeeds even when its expected_version has since become stale. A
        refusal is only ever sent on a history read from the log: a cached one may predate
        another instance's write, so a refusal on it is checked once more against the log.
        """
        row = self.table[name]
        stream = self.stream(name, prison_id, command)
        others = [None if read.scan else _other(prison_id, read, command) for read in row.reads]
        history, read = await self._load(stream, others)
        verified = False
        for _ in range(MAX_TRIES):
            prior = history.result_of(meta)
            if prior:
                return prior
            try:
                if expected_version is not None and expected_version != history.version:
                    raise Rejected("conflict", f"expected version {expected_version}, "
                                   f"the aggregate is at version {history.version}")
                events = self._decide(row, history, command, read,
                                      await self._scan(prison_id, row, command))
                if row.creates and not history.events:
                    await refuse_id_of_another_prison(self.ctx.store, stream)
            except Rejected:
                if verified:
                    raise
                current, read = await self._load(stream, others, fresh=True)
                verified = True
                if current.version == history.version:
                    raise
                history = current
                continue
            try:
                appended = await self.ctx.store.append(history, events, meta)
            except ConcurrencyConflict as exc:
                verified = True
                history, read = await self._load(stream, others, known=exc.history)
                continue
            if not appended.duplicate:
                count_appended(record.type for record in appended.events)
            return appended
        raise Rejected("conflict", "too many concurrent writers; retry the command")

    async def _load(self, stream: StreamId, others: list[StreamId | None], *,
                    fresh: bool = False, known: History | None = None
                    ) -> tuple[History, list[History | None]]:
        wanted = [other for other in others if other is not None]
        history, histories = await self.ctx.store.load_for_decision(
            stream, wanted, fresh=fresh, known=known)
        found = iter(histories)
        return history, [None if other is None else next(found) for other in others]

    async def _scan(self, prison_id: str, row: Command, command: BaseModel) -> dict[str, Any]:
        """The state of each `scan` read, fresh from the log on every try (None when the
        command's `id_field` is null)."""
        states: dict[str, Any] = {}
        for spec in row.reads:
            if spec.scan is None:
                continue
            states[spec.name] = None
            if getattr(command, spec.id_field, None) is not None:
                records = await self.ctx.store.read(prison_id, spec.aggregate,
                                                    event_type=spec.scan)
                facts = [decode(record.envelope) for record in records]
                states[spec.name] = (spec.fold_many(None, facts) if spec.fold_many
                                     else reduce(spec.evolve, facts, None))
        return states

    def _decide(self, row: Command, history: History, command: BaseModel,
                read: list[History | None], scanned: dict[str, Any]) -> Sequence[NewEvent]:
        facts = {spec.name: None if other is None else self.fold(spec.evolve, other,
                                                                  spec.fold_many)
                 for spec, other in zip(row.reads, read, strict=True) if spec.scan is None}
        if row.prison:
            facts["prison_id"] = history.stream.prison_id
        return row.decide(self.fold(row.evolve, history), command, self.ctx.clock(),
                          **facts, **scanned)


def _other(prison_id: str, read: Reads, command: BaseModel) -> StreamId | None:
    aggregate_id = getattr(command, read.id_field, None)
    return None if aggregate_id is None else StreamId(prison_id, read.aggregate, aggregate_id)
