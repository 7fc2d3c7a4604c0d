"""`pulih replay`: rebuild the read-models from sequence 1, then switch readers over at once.

Blue/green: the rebuild goes into a fresh schema while the live one keeps serving; when it has
caught up with the stream's end as it was when the rebuild started, one transaction renames it
into place. A running reporting service notices on its next batch (its checkpoint moved) and
carries on from the rebuilt checkpoint, so the served reports never go empty or half-built.
"""

from __future__ import annotations

import time

import asyncpg
import nats
import structlog
from tqdm import tqdm

from services.reporting.main import projections
from shared.envelope import STREAM
from shared.runner import ProjectionRunner
from shared.runtime import tune_gc
from shared.settings import Settings

log = structlog.get_logger(__name__)


async def replay(settings: Settings, nats_url: str, database_url: str, projection: str) -> int:
    known = [p.name for p in projections()]
    if projection != "all":
        log.error("replay_scope", detail="only --projection all is supported for now; "
                  "the read-models share one consistent checkpoint", known=known)
        return 2
    tune_gc()
    nc = await nats.connect(nats_url)
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=4)
    try:
        target = (await nc.jetstream().stream_info(STREAM)).state.last_seq
        live = settings.readmodel_schema
        fresh = f"{live}_rebuild_{int(time.time())}"
        rate = await _build(nc, pool, fresh, target)
        await _swap(pool, live, fresh)
        log.info("replay_done", schema=live, events=target, events_per_s=round(rate))
        return 0
    finally:
        await pool.close()
        await nc.drain()


async def _build(nc, pool, schema: str, target: int) -> float:
    bar = tqdm(total=target, unit="ev", unit_scale=True, desc=f"replay → {schema}",
               smoothing=0.1, mininterval=0.5)
    runner = ProjectionRunner(nc, pool, projections(), schema=schema,
                              on_batch=lambda _seq, n: bar.update(n))
    started = time.perf_counter()
    await runner.run_until(target)
    elapsed = time.perf_counter() - started
    bar.close()
    return target / elapsed if elapsed else 0.0


async def _swap(pool: asyncpg.Pool, live: str, fresh: str) -> None:
    retired = f"{live}_retired_{int(time.time())}"
    async with pool.acquire() as conn:
        async with conn.transaction():
            exists = await conn.fetchval(
                "SELECT count(*) FROM pg_namespace WHERE nspname = $1", live)
            if exists:
                await conn.execute(f'ALTER SCHEMA "{live}" RENAME TO "{retired}"')
            await conn.execute(f'ALTER SCHEMA "{fresh}" RENAME TO "{live}"')
        if exists:
            await conn.execute(f'DROP SCHEMA "{retired}" CASCADE')
