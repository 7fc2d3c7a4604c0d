"""`pulih replay`: the reporting read-models rebuilt from the log, blue/green, or as they were
at a past point.

- `--projection all` (default): everything is built from sequence 1 into a fresh schema while
  the live one keeps serving; then the live checkpoint row is locked (a live batch in flight
  finishes first, the next one waits), the fresh build catches up with exactly that checkpoint
  and is renamed into place in the same transaction, which also bumps the checkpoint's
  generation. A live batch folded from the retired tables is thereby refused, and an idle live
  runner notices the new generation, so nothing is skipped and reports never go back in time.
- `--projection NAME`: only that projection's tables are rebuilt, then swapped in the same way
  (locked, caught up with exactly the live checkpoint, generation bumped), so the swapped tables
  are neither behind nor ahead of the projections left in place, and never overwritten by a
  batch computed from the tables they replaced.
- `--parked`: rebuild every projection that has parked events (after a fix: an upcaster, a code
  change), which re-applies them in log order; what still fails is parked again.
- `--until SEQ|RFC3339 --into NAME`: the read-models as known at that point (events appended up
  to then, by the stream's own timestamps), built into a hidden schema and published as
  `asof_NAME` (served with `?as_of=NAME`) only when complete, dated at the point asked for.
"""

from __future__ import annotations

import time
import uuid

import asyncpg
import nats
import structlog
from nats.aio.client import Client

from services.reporting.projections import projections
from services.reporting.read.asof import asof_schema
from services.reporting.rebuild_until import resolve_until, stream_end
from shared.credentials import REPORTING, connect_options
from shared.layout import hold as hold_layout
from shared.metrics import replay_progress
from shared.progress import progress
from shared.runner import ProjectionRunner
from shared.runtime import tune_gc
from shared.settings import Settings

log = structlog.get_logger(__name__)
# Tables of the runner, not of a projection: never moved by a single-projection swap (the fresh
# schema's `layout` stamps one projection, the live one all of them).
KERNEL_TABLES = ("checkpoint", "parked", "layout")
INFO_DDL = ("CREATE TABLE IF NOT EXISTS replay_info "
            "(until_seq bigint NOT NULL, until_time timestamptz NOT NULL)")


async def replay(settings: Settings, nats_url: str, database_url: str, projection: str = "all",
                 until: str | None = None, into: str | None = None, parked: bool = False) -> int:
    tune_gc()
    nc = await nats.connect(nats_url, **connect_options(settings.nats_credentials, REPORTING))
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=4)
    try:
        live = settings.readmodel_schema
        if until is not None or into is not None:
            if until is None or into is None:
                log.error("replay_usage", detail="--until and --into go together")
                return 2
            return await _as_of(nc, pool, until, into)
        names = [p.name for p in projections()]
        if parked:
            chosen = await _parked_projections(pool, live)
        elif projection == "all":
            chosen = names
        elif projection in names:
            chosen = [projection]
        else:
            log.error("replay_unknown_projection", projection=projection, known=names)
            return 2
        if not chosen:
            log.info("replay_nothing_parked")
            return 0
        if set(chosen) == set(names):
            await _rebuild_all(nc, pool, live)
        else:
            for name in chosen:
                await _rebuild_one(nc, pool, live, name)
        return 0
    finally:
        await pool.close()
        await nc.drain()


async def _build(nc: Client, pool: asyncpg.Pool, schema: str, until: int, names=None,
                 runner: ProjectionRunner | None = None) -> ProjectionRunner:
    chosen = [p for p in projections() if names is None or p.name in names]
    runner = runner or ProjectionRunner(nc, pool, chosen, schema=schema)
    runner.stop_at = until
    metric = replay_progress(until)
    started = time.perf_counter()
    with progress(f"pulih replay → {schema}", until) as shown:  # on stderr

        def on_batch(seq: int, size: int) -> None:
            shown.to(seq)
            metric(seq, size)

        runner.on_batch = on_batch
        await runner.run_until(until)
    elapsed = time.perf_counter() - started
    log.info("replay_built", schema=schema, until=until,
             events_per_s=round(until / elapsed) if elapsed else None)
    return runner


async def _hold_live(conn: asyncpg.Connection, nc: Client, pool: asyncpg.Pool, live: str,
                     runner: ProjectionRunner) -> tuple[int | None, int]:
    """Inside the swap's transaction: lock the live checkpoint row (a live batch in flight
    commits first; the next one waits, and the new generation makes it fold again from what
    is swapped in), catch the fresh build up with it, and bump the generation. Returns the
    live checkpoint (None: no live read-model) and the new generation."""
    row = None
    if await conn.fetchval("SELECT to_regclass($1)", f'"{live}".checkpoint') is not None:
        row = await conn.fetchrow(f'SELECT last_seq, generation FROM "{live}".checkpoint '
                                  "WHERE runner = $1 FOR UPDATE", runner.name)
    at, generation = (row["last_seq"], row["generation"] + 1) if row else (None, 1)
    # A live checkpoint past the log's end (it went backwards) cannot be caught up with.
    if at is not None and runner.last_seq < at <= await stream_end(nc):
        await _build(nc, pool, runner.schema, at, runner=runner)
    if row is not None:
        await conn.execute(f'UPDATE "{live}".checkpoint SET generation = $2 WHERE runner = $1',
                           runner.name, generation)
    return at, generation


async def _rebuild_all(nc: Client, pool: asyncpg.Pool, live: str) -> None:
    fresh = f"{live}_rebuild_{int(time.time())}"
    runner = await _build(nc, pool, fresh, await stream_end(nc))
    retired = f"{live}_retired_{int(time.time())}"
    async with pool.acquire() as conn:
        async with conn.transaction():
            await hold_layout(conn, live)
            exists = await _schema_exists(conn, live)
            at, generation = await _hold_live(conn, nc, pool, live, runner)
            await conn.execute(f'UPDATE "{fresh}".checkpoint SET generation = $1', generation)
            if exists:
                await conn.execute(f'ALTER SCHEMA "{live}" RENAME TO "{retired}"')
            await conn.execute(f'ALTER SCHEMA "{fresh}" RENAME TO "{live}"')
        if exists:
            await conn.execute(f'DROP SCHEMA "{retired}" CASCADE')
    log.info("replay_swapped", schema=live, at=max(at or 0, runner.last_seq),
             generation=generation)


async def _rebuild_one(nc: Client, pool: asyncpg.Pool, live: str, name: str) -> None:
    fresh = f"{live}_{name}_{int(time.time())}"
    runner = await _build(nc, pool, fresh, await stream_end(nc), names=[name])
    async with pool.acquire() as conn, conn.transaction():
        await hold_layout(conn, live)
        at, _ = await _hold_live(conn, nc, pool, live, runner)
        if at is None or at != runner.last_seq:
            raise RuntimeError(f"the live read-model is at {at}, the rebuild at "
                               f"{runner.last_seq}: wait for the live one to catch up and retry "
                               "(or, if the log went backwards, replay every projection)")
        await _move_tables(conn, fresh, live)
        await conn.execute(f'DELETE FROM "{live}".parked WHERE projection = $1', name)
        # This projection's parked events as the rebuild found them; the '*' rows (malformed
        # bodies) concern every projection and are already in the live table.
        await conn.execute(f'INSERT INTO "{live}".parked SELECT * FROM "{fresh}".parked '
                           "WHERE projection = $1", name)
    async with pool.acquire() as conn:
        await conn.execute(f'DROP SCHEMA "{fresh}" CASCADE')
    log.info("replay_swapped", schema=live, projection=name, at=at)


async def _move_tables(conn: asyncpg.Connection, fresh: str, live: str) -> None:
    rows = await conn.fetch(
        "SELECT c.relname, c.relkind::text AS relkind FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 "
        "AND c.relkind IN ('r', 'v') AND NOT c.relname = ANY($2) "
        "ORDER BY c.relkind, c.relname", fresh, list(KERNEL_TABLES))
    for row in rows:  # tables ('r') first, so their dependent views go with the CASCADE
        kind = "TABLE" if row["relkind"] == "r" else "VIEW"
        await conn.execute(f'DROP {kind} IF EXISTS "{live}"."{row["relname"]}" CASCADE')
    for row in rows:
        kind = "TABLE" if row["relkind"] == "r" else "VIEW"
        await conn.execute(f'ALTER {kind} "{fresh}"."{row["relname"]}" SET SCHEMA "{live}"')


async def _parked_projections(pool: asyncpg.Pool, live: str) -> list[str]:
    async with pool.acquire() as conn:
        if not await _schema_exists(conn, live):
            return []
        rows = await conn.fetch(f'SELECT DISTINCT projection FROM "{live}".parked')
    names = {r["projection"] for r in rows}
    if "*" in names:  # a malformed body concerns every projection
        return [p.name for p in projections()]
    return sorted(names)


async def _as_of(nc: Client, pool: asyncpg.Pool, until: str, into: str) -> int:
    try:
        schema = asof_schema(into)
        seq, moment = await resolve_until(nc, until)
    except ValueError as exc:
        log.error("replay_usage", detail=str(exc))
        return 2
    # Built where no `?as_of=` reaches (the name lacks the `asof_` prefix), published whole.
    building = f"build_{schema}_{uuid.uuid4().hex[:8]}"
    try:
        await _build(nc, pool, building, seq)
        async with pool.acquire() as conn, conn.transaction():
            await conn.execute(f'SET LOCAL search_path TO "{building}"; {INFO_DDL}')
            await conn.execute("INSERT INTO replay_info VALUES ($1, $2)", seq, moment)
            await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
            await conn.execute(f'ALTER SCHEMA "{building}" RENAME TO "{schema}"')
    finally:
        async with pool.acquire() as conn:
            await conn.execute(f'DROP SCHEMA IF EXISTS "{building}" CASCADE')
    log.info("replay_as_of_ready", name=into, schema=schema, until_seq=seq,
             until_time=moment.isoformat())
    return 0


async def _schema_exists(conn: asyncpg.Connection, schema: str) -> bool:
    return bool(await conn.fetchval(
        "SELECT count(*) FROM pg_namespace WHERE nspname = $1", schema))
