"""Ids are unique within a prison; a create also refuses an id another prison already uses.

The contract keys every aggregate by (prison_id, id), so a reused id can never change another
prison's rows; refusing it where the service can see it keeps ids unambiguous in reports too.
It is checked on the log at command time (one direct get), not atomically: two prisons creating
the same id at the same instant (or one working offline) both succeed, which the keys allow.
"""

from __future__ import annotations

from shared.envelope import StreamId
from shared.errors import rule
from shared.store import EventStore


async def refuse_id_of_another_prison(store: EventStore, stream: StreamId) -> None:
    """Raise `rule` when an aggregate of this type and id exists in a prison other than the
    stream's. The other prison is not named: one prison's commands learn nothing more about
    another prison's aggregates than that the id is taken."""
    if await store.prisons_of(stream.aggregate_type, stream.aggregate_id) - {stream.prison_id}:
        field = f"{stream.aggregate_type}_id"
        raise rule(f"{field} {stream.aggregate_id} already exists in another prison; "
                   "choose a new id", f"data.{field}")
