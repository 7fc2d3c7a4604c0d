"""Growing the log with the synthetic workload, and `pulih replay --projection all` at a size.

The rebuild is what `pulih replay --projection all` does before its swap: every projection of
the reporting service built from sequence 1 into a fresh schema by the `ProjectionRunner`,
until the stream's last sequence (the scratch schema is dropped afterwards; the live one is
never touched). The raw read ceiling (bench/ceilings.py) is measured on the same log just before."""

from __future__ import annotations

import asyncio
import time
import uuid

import asyncpg
import httpx
from nats.aio.client import Client

from bench.commands import MachineryError
from bench.workload import log_of, publish, with_kanwils
from services.reporting.projections import projections
from shared.envelope import STREAM
from shared.runner import ProjectionRunner


async def stream_end(nc: Client) -> int:
    return (await nc.jetstream().stream_info(STREAM)).state.last_seq


async def grow(nc: Client, target: int, seed: int, kanwils: set[str]) -> dict:
    """Publish synthetic events (pipelined) until the log holds `target` events (and each new
    prison's KanwilAssigned: `kanwils` holds the prisons assigned so far)."""
    have = await stream_end(nc)
    started = time.perf_counter()
    if target > have:
        await publish(nc, with_kanwils(log_of(target - have, seed=seed), kanwils))
    return {"events": await stream_end(nc), "added": max(0, target - have),
            "generate_s": round(time.perf_counter() - started, 1)}


async def caught_up(http: httpx.AsyncClient, seq: int, timeout: float) -> float:
    """Poll the reporting service's /health until its projections have applied `seq`;
    the seconds it took."""
    started = time.perf_counter()
    deadline = started + timeout
    last = None
    while time.perf_counter() < deadline:
        try:
            health = (await http.get("/health")).json()
            last = min(p["last_seq"] for p in health["projections"].values())
        except (httpx.TransportError, ValueError, KeyError):
            last = None
        if last is not None and last >= seq:
            return time.perf_counter() - started
        await asyncio.sleep(0.05)
    raise MachineryError(f"reporting did not apply sequence {seq} within {timeout:.0f}s "
                         f"(at {last})")


async def fingerprint(pool: asyncpg.Pool, schema: str) -> dict[str, list[int]]:
    """Rows and an order-independent hash of their contents, per read-model table."""
    async with pool.acquire() as conn:
        tables = await conn.fetch(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = $1 "
            "AND table_type = 'BASE TABLE' AND table_name NOT IN ('checkpoint', 'parked') "
            "ORDER BY 1", schema)
        out = {}
        for (table,) in tables:
            row = await conn.fetchrow(
                f'SELECT count(*), coalesce(sum(hashtext(t::text)::bigint), 0) '
                f'FROM "{schema}"."{table}" t')
            out[table] = [row[0], row[1]]
        return out


async def rebuild(nc: Client, pool: asyncpg.Pool, until: int, live: str,
                  check: bool = True) -> dict:
    """Events/s of a full rebuild of every projection from sequence 1 to `until`, and (with
    `check`) whether it holds exactly what the live read-model (applied incrementally, caught
    up to the same sequence) holds."""
    schema = f"bench_rebuild_{uuid.uuid4().hex[:8]}"
    runner = ProjectionRunner(nc, pool, projections(), schema=schema)
    try:
        started = time.perf_counter()
        await runner.run_until(until)
        elapsed = time.perf_counter() - started
        problems = []
        if runner.parked_count:
            problems.append(f"the rebuild parked {runner.parked_count} events "
                            f"({dict(runner.parked)})")
        if not check:
            return {"rebuild_ev_s": round(until / elapsed), "problems": problems}
        fresh, current = await fingerprint(pool, schema), await fingerprint(pool, live)
        differ = sorted(t for t in current if fresh.get(t) != current[t])
        if differ:
            problems.append(f"the rebuilt tables {differ} differ from the live read-model "
                            f"(rows rebuilt/live: "
                            f"{ {t: (fresh.get(t, [0])[0], current[t][0]) for t in differ} })")
        return {"rebuild_ev_s": round(until / elapsed), "elapsed_s": round(elapsed, 1),
                "problems": problems}
    finally:
        async with pool.acquire() as conn:
            await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def row(events: int, read: float, rebuilt: dict) -> dict:
    return {"events": events, "raw_read_ev_s": round(read), **rebuilt,
            "rebuild_over_read": round(rebuilt["rebuild_ev_s"] / read, 3)}
