"""A test projection for races around the runner: a table per name, `n`s per aggregate of one
prison (a skipped or doubled event shows), an event it cannot apply yet (`broken_at`), and a
gate that holds a write inside its transaction (the checkpoint row locked)."""

import asyncio
import time
from dataclasses import replace

from shared.projection import KeyedProjection
from shared.settings import Settings


class Tally(KeyedProjection):
    def __init__(self, prison_id, name="tally", broken_at=None):
        self.prison_id, self.name, self.broken_at = prison_id, name, broken_at
        self.ddl = f"CREATE TABLE IF NOT EXISTS {name} (id text PRIMARY KEY, ns int[] NOT NULL);"
        self.gate: asyncio.Event | None = None  # set: saves wait for it, inside the transaction
        self.entered = asyncio.Event()

    def key(self, envelope):
        return envelope["aggregate_id"] if envelope["prison_id"] == self.prison_id else None

    def evolve(self, doc, envelope):
        if envelope["data"]["n"] == self.broken_at:
            raise ValueError("not understood yet")
        doc = doc or {"id": envelope["aggregate_id"], "ns": []}
        return {**doc, "ns": [*doc["ns"], envelope["data"]["n"]]}

    async def load(self, conn, keys):
        rows = await conn.fetch(f"SELECT id, ns FROM {self.name} WHERE id = ANY($1)", keys)
        return {r["id"]: {"id": r["id"], "ns": list(r["ns"])} for r in rows}

    async def save(self, conn, docs):
        if self.gate is not None:
            self.entered.set()
            await self.gate.wait()
        await conn.executemany(
            f"INSERT INTO {self.name} (id, ns) VALUES ($1, $2) "
            "ON CONFLICT (id) DO UPDATE SET ns = $2", [(d["id"], d["ns"]) for d in docs.values()])


async def tallies(pool, schema, table="tally"):
    async with pool.acquire() as conn:
        rows = await conn.fetch(f'SELECT id, ns FROM "{schema}"."{table}"')
    return {r["id"]: list(r["ns"]) for r in rows}


async def checkpoint(pool, schema):
    async with pool.acquire() as conn:
        return await conn.fetchval(f'SELECT last_seq FROM "{schema}".checkpoint')


async def until(probe, timeout=10.0):
    """Poll `probe` (async) until it returns something truthy, or fail after `timeout`."""
    deadline = time.monotonic() + timeout
    while not (result := await probe()):
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s: last {result!r}")
        await asyncio.sleep(0.02)
    return result


async def lock_waiters(pool) -> int:
    """Sessions waiting for a lock (here: a checkpoint row held by someone else)."""
    async with pool.acquire() as conn:
        return await conn.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")


def settings_for(schema):
    return replace(Settings.from_env({}), readmodel_schema=schema)
