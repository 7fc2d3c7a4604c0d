"""One batch of the log through the read-models: its fold (reads, pure work) and its write (the
rows and the checkpoint in one transaction). The runner (shared/runner.py) pipelines the two."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import asyncpg

from shared.delivery import Delivery
from shared.projection import Folded, Parked, Projection
from shared.store import Recorded


class ConsumerStalled(Exception):
    """The consumer stopped delivering before the end of the log; follow again."""


class CheckpointMoved(Exception):
    """Someone else advanced or reset this read-model, or a replay swapped tables in (a new
    generation); resume from its checkpoint."""


class LogDiverged(Exception):
    """The log no longer holds the events the read-model was built from (it went backwards,
    or was replaced): nothing may be applied on this base."""


def body_hash(data: bytes) -> bytes:
    """What the checkpoint keeps of its last applied message, to recognise it in the log."""
    return hashlib.sha256(data).digest()


@dataclass
class Batch:
    """A batch folded after `after`, up to `top`, under checkpoint `generation`, waiting to be
    written."""

    after: int
    generation: int
    top: int
    top_hash: bytes
    size: int  # messages delivered, redeliveries included
    folded: list[Folded]
    parked: list[tuple[str, Parked]]
    bodies: dict[int, Delivery]
    task: asyncio.Task | None = None


async def fold(pool: asyncpg.Pool, schema: str, projections: Sequence[Projection],
               deliveries: list[Delivery], after: int, generation: int, stop_at: int | None,
               writing: Batch | None, first: int | None = None) -> Batch | None:
    """Read what the batch touches and fold it, writing nothing. Documents of the batch being
    written meanwhile (`writing`) come from it: the database cannot show them yet. Reads see
    everything else as committed by the runner's previous batches. None: nothing new.
    `first`: the sequence expected after an empty checkpoint (the stream's first; 1 unless an
    operator created the stream with limits)."""
    records, parked, bodies = [], [], {}
    expected = after + 1 if after or first is None else first
    for delivery in deliveries:
        seq = delivery.seq
        if seq < expected:
            continue  # redelivered: already applied, or already in this batch
        if stop_at is not None and seq > stop_at:
            continue
        # The stream allows no deletes, so its sequences have no holes: a jump means a
        # delivery was lost on the way (a client-side slow-consumer drop). Nothing of the
        # batch is written; the runner follows again from its checkpoint.
        if seq > expected:
            raise ConsumerStalled(f"delivery gap: expected {expected}, got {seq}")
        expected = seq + 1
        bodies[seq] = delivery
        if delivery.envelope is None:
            parked.append(("*", Parked(seq, delivery.error)))
        else:
            records.append(Recorded(seq, delivery.envelope))
    if not bodies:
        return None
    unsaved = writing.folded if writing else [None] * len(projections)
    folded = []
    async with pool.acquire() as conn, conn.transaction(readonly=True):
        # Custom plans: a load prepared while its table was still empty (a rebuild starts
        # from nothing) can settle on a cached generic plan that scans the whole table, and
        # keep it as the table grows (rebuilds 3x slower in bench runs).
        await conn.execute(f'SET LOCAL search_path TO "{schema}"; '
                           "SET LOCAL plan_cache_mode TO force_custom_plan")
        for projection, pending in zip(projections, unsaved, strict=True):
            done = await projection.fold(conn, records, pending.changed if pending else {})
            parked += [(projection.name, p) for p in done.parked]
            folded.append(done)
    top = max(bodies)
    return Batch(after, generation, top, body_hash(bodies[top].data), len(deliveries), folded,
                 parked, bodies)


async def write(pool: asyncpg.Pool, schema: str, runner: str,
                projections: Sequence[Projection], batch: Batch) -> None:
    """Write a folded batch and the runner's checkpoint in one transaction."""
    async with pool.acquire() as conn, conn.transaction():
        # Derived data only: a commit lost in a PostgreSQL crash loses its checkpoint with it,
        # and the runner re-applies from the previous one.
        await conn.execute(f'SET LOCAL search_path TO "{schema}"; '
                           "SET LOCAL synchronous_commit TO off; "
                           "SET LOCAL plan_cache_mode TO force_custom_plan")
        # The row lock serialises runners sharing a schema and a replay's swap (which locks
        # it first and bumps the generation). A checkpoint that moved under us (another
        # instance, a swapped-in schema or table) is honoured, never overrun: the batch may
        # have been folded from tables that are no longer there.
        row = await conn.fetchrow(
            "SELECT last_seq, generation FROM checkpoint WHERE runner = $1 FOR UPDATE", runner)
        if row is None or (row["last_seq"], row["generation"]) != (batch.after,
                                                                    batch.generation):
            raise CheckpointMoved(f"checkpoint is {tuple(row) if row else None}, the batch was "
                                  f"folded at {(batch.after, batch.generation)}")
        for projection, folded in zip(projections, batch.folded, strict=True):
            if folded.changed:
                await projection.save(conn, folded.changed)
        if batch.parked:
            await conn.executemany(
                "INSERT INTO parked (projection, seq, subject, reason, body) "
                "VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
                [(name, p.seq, batch.bodies[p.seq].subject, p.reason, batch.bodies[p.seq].data)
                 for name, p in batch.parked])
        # Conditional on what the batch started from: should the names now resolve to another
        # schema (renamed in by something that did not take the lock), nothing is committed.
        moved = await conn.execute(
            "UPDATE checkpoint SET last_seq = $2, last_hash = $3, updated_at = now() "
            "WHERE runner = $1 AND last_seq = $4 AND generation = $5",
            runner, batch.top, batch.top_hash, batch.after, batch.generation)
        if moved != "UPDATE 1":
            raise CheckpointMoved("the checkpoint changed during the batch's transaction")
