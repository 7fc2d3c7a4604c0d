"""One batch of the log through the read-models: its fold (reads, pure work) and its write (the
rows and the checkpoint in one transaction). The runner (shared/runner.py) pipelines the two."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

import asyncpg

from shared.delivery import Delivery
from shared.projection import Folded, Parked, Projection
from shared.store import Recorded


class ConsumerStalled(Exception):
    """The consumer stopped delivering before the end of the log; follow again."""


class CheckpointMoved(Exception):
    """Someone else advanced or reset this read-model; resume from its checkpoint."""


@dataclass
class Batch:
    """A batch folded after `after`, up to `top`, waiting to be written."""

    after: int
    top: int
    size: int  # messages delivered, redeliveries included
    folded: list[Folded]
    parked: list[tuple[str, Parked]]
    bodies: dict[int, Delivery]
    task: asyncio.Task | None = None


async def fold(pool: asyncpg.Pool, schema: str, projections: Sequence[Projection],
               deliveries: list[Delivery], after: int, stop_at: int | None,
               writing: Batch | None) -> Batch | None:
    """Read what the batch touches and fold it, writing nothing. Documents of the batch being
    written meanwhile (`writing`) come from it: the database cannot show them yet. Reads see
    everything else as committed by the runner's previous batches. None: nothing new."""
    records, parked, bodies = [], [], {}
    expected = after + 1
    for delivery in deliveries:
        seq = delivery.seq
        if seq < expected:
            continue  # redelivered: already applied, or already in this batch
        if stop_at is not None and seq > stop_at:
            continue
        # The stream allows no deletes, so its sequences have no holes: a jump means a
        # delivery was lost on the way (a client-side slow-consumer drop). Nothing of the
        # batch is written; the runner follows again from its checkpoint. (From an empty
        # checkpoint the stream may start above 1 if an operator created it with limits.)
        if seq > expected and after > 0:
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
    return Batch(after, max(bodies), len(deliveries), folded, parked, bodies)


async def write(pool: asyncpg.Pool, schema: str, runner: str,
                projections: Sequence[Projection], batch: Batch) -> None:
    """Write a folded batch and the runner's checkpoint in one transaction."""
    async with pool.acquire() as conn, conn.transaction():
        # Derived data only: a commit lost in a PostgreSQL crash loses its checkpoint with it,
        # and the runner re-applies from the previous one.
        await conn.execute(f'SET LOCAL search_path TO "{schema}"; '
                           "SET LOCAL synchronous_commit TO off; "
                           "SET LOCAL plan_cache_mode TO force_custom_plan")
        # The row lock serialises runners sharing a schema; a checkpoint that moved under us
        # (another instance, a replay swapped the schema in) is honoured, never overrun.
        current = await conn.fetchval(
            "SELECT last_seq FROM checkpoint WHERE runner = $1 FOR UPDATE", runner)
        if current != batch.after:
            raise CheckpointMoved(f"checkpoint is {current}, runner was at {batch.after}")
        for projection, folded in zip(projections, batch.folded, strict=True):
            if folded.changed:
                await projection.save(conn, folded.changed)
        if batch.parked:
            await conn.executemany(
                "INSERT INTO parked (projection, seq, subject, reason, body) "
                "VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
                [(name, p.seq, batch.bodies[p.seq].subject, p.reason, batch.bodies[p.seq].data)
                 for name, p in batch.parked])
        await conn.execute(
            "INSERT INTO checkpoint (runner, last_seq, updated_at) VALUES ($1, $2, now()) "
            "ON CONFLICT (runner) DO UPDATE SET last_seq = $2, updated_at = now()",
            runner, batch.top)
