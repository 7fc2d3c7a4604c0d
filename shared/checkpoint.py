"""A read-model schema's kernel: its checkpoint row (last applied stream sequence, the hash of
that message, the swap generation) and its parked events."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import asyncpg

from shared.batches import CheckpointMoved
from shared.layout import ensure as ensure_layout
from shared.layout import stamp
from shared.projection import Projection

# The two ALTERs bring a checkpoint table of an older Pulih up to date in place: its rows get
# generation 0 and no hash (the first batch applied afterwards records one).
KERNEL_DDL = """
CREATE TABLE IF NOT EXISTS checkpoint (
    runner text PRIMARY KEY, last_seq bigint NOT NULL, updated_at timestamptz NOT NULL
);
ALTER TABLE checkpoint ADD COLUMN IF NOT EXISTS generation bigint NOT NULL DEFAULT 0;
ALTER TABLE checkpoint ADD COLUMN IF NOT EXISTS last_hash bytea;
CREATE TABLE IF NOT EXISTS parked (
    projection text NOT NULL, seq bigint NOT NULL, subject text NOT NULL, reason text NOT NULL,
    body bytea NOT NULL, parked_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (projection, seq)
);
"""

async def prepare(pool: asyncpg.Pool, schema: str, runner: str,
                  projections: Sequence[Projection]
                  ) -> tuple[int, int, bytes | None, Counter[str]]:
    """Create the schema, the tables and the checkpoint row (idempotent); return the
    checkpoint (last_seq, generation, last_hash) and the parked events per projection."""
    async with pool.acquire() as conn, conn.transaction():
        # A schema built with another layout of the projections is rebuilt from scratch.
        await ensure_layout(conn, schema, runner, stamp(projections))
        await conn.execute(KERNEL_DDL)
        for projection in projections:
            await conn.execute(projection.ddl)
        await conn.execute(
            "INSERT INTO checkpoint (runner, last_seq, updated_at) VALUES ($1, 0, now()) "
            "ON CONFLICT DO NOTHING", runner)
        row = await conn.fetchrow(
            "SELECT last_seq, generation, last_hash FROM checkpoint WHERE runner = $1", runner)
        parked = Counter(dict(await conn.fetch(
            "SELECT projection, count(*) FROM parked GROUP BY projection")))
    return row["last_seq"], row["generation"], row["last_hash"], parked


async def check_unmoved(pool: asyncpg.Pool, schema: str, runner: str,
                        at: tuple[int, int]) -> None:
    """Raise CheckpointMoved unless the checkpoint is still `at` (last_seq, generation): an
    idle runner learns this way that a replay swapped another checkpoint or generation in."""
    async with pool.acquire() as conn:
        row = await conn.fetchrow(f'SELECT last_seq, generation FROM "{schema}".checkpoint '
                                  "WHERE runner = $1", runner)
    if row is None or tuple(row) != at:
        raise CheckpointMoved(f"checkpoint is {tuple(row) if row else None}, runner was at {at}")
