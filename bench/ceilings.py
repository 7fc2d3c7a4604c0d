"""The machine's raw ceilings, measured in the same run as Pulih's own figures."""

from __future__ import annotations

import asyncio
import time

import asyncpg
from nats.aio.client import Client
from nats.js.api import DeliverPolicy

from shared.envelope import EVENTS_PREFIX, STREAM


async def ordered_read(nc: Client, last_seq: int) -> float:
    """Events/s an ordered push consumer delivers the whole stream at, doing nothing else."""
    done = asyncio.Event()
    seen = 0

    async def count(msg) -> None:
        nonlocal seen
        seen += 1
        if msg.metadata.sequence.stream >= last_seq:
            done.set()

    started = time.perf_counter()
    sub = await nc.jetstream().subscribe(f"{EVENTS_PREFIX}.>", stream=STREAM, cb=count,
                                         ordered_consumer=True,
                                         deliver_policy=DeliverPolicy.ALL,
                                         pending_msgs_limit=200_000)
    await done.wait()
    elapsed = time.perf_counter() - started
    await sub.unsubscribe()
    return seen / elapsed


async def copy_rows(pool: asyncpg.Pool, rows: int) -> float:
    """Rows/s asyncpg COPY writes into an unlogged-free ordinary table (seq, payload)."""
    payload = b"x" * 600
    records = [(i, payload) for i in range(rows)]
    async with pool.acquire() as conn:
        await conn.execute("CREATE TEMP TABLE IF NOT EXISTS bench_copy (seq bigint, body bytea)")
        started = time.perf_counter()
        await conn.copy_records_to_table("bench_copy", records=records)
        elapsed = time.perf_counter() - started
        await conn.execute("DROP TABLE bench_copy")
    return rows / elapsed
