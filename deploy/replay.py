"""`pulih replay`: rebuild read-models from the log, blue/green, or as they were at a past point.

- `--projection all` (default): everything is built from sequence 1 into a fresh schema while
  the live one keeps serving; once caught up with the stream's end it is renamed into place in
  one transaction. A running reporting service sees its checkpoint move and carries on from the
  rebuilt one, so served reports never go empty or half-built.
- `--projection NAME`: only that projection's tables are rebuilt, then swapped in while the live
  checkpoint is locked and the fresh build has caught up with exactly that checkpoint, so the
  swapped tables are neither behind nor ahead of the projections left in place.
- `--parked`: rebuild every projection that has parked events (after a fix: an upcaster, a code
  change), which re-applies them in log order; what still fails is parked again.
- `--until SEQ|RFC3339 --into NAME`: the read-models as known at that point (events appended up
  to then, by the stream's own timestamps) into schema `asof_NAME`, served with `?as_of=NAME`.
"""

from __future__ import annotations

import re
import time
from datetime import datetime

import asyncpg
import nats
import orjson
import structlog
from nats.aio.client import Client
from tqdm import tqdm

from services.reporting.deps import asof_schema
from services.reporting.main import projections
from shared.envelope import EVENTS_PREFIX, STREAM
from shared.runner import ProjectionRunner
from shared.runtime import tune_gc
from shared.settings import Settings

log = structlog.get_logger(__name__)
KERNEL_TABLES = ("checkpoint", "parked")
INFO_DDL = ("CREATE TABLE IF NOT EXISTS replay_info "
            "(until_seq bigint NOT NULL, until_time timestamptz NOT NULL)")


async def replay(settings: Settings, nats_url: str, database_url: str, projection: str = "all",
                 until: str | None = None, into: str | None = None, parked: bool = False) -> int:
    tune_gc()
    nc = await nats.connect(nats_url)
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
    bar = tqdm(total=until, unit="ev", unit_scale=True, desc=f"replay → {schema}",
               smoothing=0.1, mininterval=0.5)
    runner = runner or ProjectionRunner(nc, pool, chosen, schema=schema)
    runner.stop_at = until
    runner._on_batch = lambda seq, _n: bar.update(seq - bar.n)
    started = time.perf_counter()
    await runner.run_until(until)
    bar.update(until - bar.n)
    bar.close()
    elapsed = time.perf_counter() - started
    log.info("replay_built", schema=schema, until=until,
             events_per_s=round(until / elapsed) if elapsed else None)
    return runner


async def _stream_end(nc: Client) -> int:
    return (await nc.jetstream().stream_info(STREAM)).state.last_seq


async def _rebuild_all(nc: Client, pool: asyncpg.Pool, live: str) -> None:
    fresh = f"{live}_rebuild_{int(time.time())}"
    await _build(nc, pool, fresh, await _stream_end(nc))
    retired = f"{live}_retired_{int(time.time())}"
    async with pool.acquire() as conn:
        async with conn.transaction():
            exists = await _schema_exists(conn, live)
            if exists:
                await conn.execute(f'ALTER SCHEMA "{live}" RENAME TO "{retired}"')
            await conn.execute(f'ALTER SCHEMA "{fresh}" RENAME TO "{live}"')
        if exists:
            await conn.execute(f'DROP SCHEMA "{retired}" CASCADE')
    log.info("replay_swapped", schema=live)


async def _rebuild_one(nc: Client, pool: asyncpg.Pool, live: str, name: str) -> None:
    fresh = f"{live}_{name}_{int(time.time())}"
    runner = await _build(nc, pool, fresh, await _stream_end(nc), names=[name])
    async with pool.acquire() as conn, conn.transaction():
        # Holding the live checkpoint row stops the live runner where it is, at `at`.
        at = await conn.fetchval(
            f'SELECT last_seq FROM "{live}".checkpoint WHERE runner = $1 FOR UPDATE',
            runner.name)
        if at is None or at < runner.last_seq:
            raise RuntimeError(f"the live read-model is at {at}, behind the rebuild "
                               f"({runner.last_seq}); wait for it to catch up and retry")
        if at > runner.last_seq:
            await _build(nc, pool, fresh, at, runner=runner)
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


async def resolve_until(nc: Client, until: str) -> tuple[int, datetime]:
    """A sequence, or the last sequence appended at or before an RFC 3339 instant; with the
    stream's own append time of that sequence."""
    end = await _stream_end(nc)
    if until.isdigit():
        seq = min(int(until), end)
    else:
        moment = datetime.fromisoformat(until)
        if moment.tzinfo is None:
            raise ValueError("--until needs an offset, e.g. 2025-12-31T23:59:59+07:00")
        first = await _direct_get(nc, {"start_time": moment.isoformat(),
                                       "next_by_subj": f"{EVENTS_PREFIX}.>"})
        seq = end if first is None else first[0] - (1 if first[1] > moment else 0)
    found = await _direct_get(nc, {"seq": seq}) if seq >= 1 else None
    if found is None:
        raise ValueError(f"nothing was in the log at {until}")
    return found


async def _direct_get(nc: Client, request: dict) -> tuple[int, datetime] | None:
    reply = await nc.request(f"$JS.API.DIRECT.GET.{STREAM}", orjson.dumps(request), timeout=5)
    headers = reply.headers or {}
    if headers.get("Status"):
        return None
    return int(headers["Nats-Sequence"]), parse_stamp(headers["Nats-Time-Stamp"])


def parse_stamp(raw: str) -> datetime:
    """JetStream's nanosecond UTC stamp, to the microsecond."""
    match = re.fullmatch(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?Z", raw)
    if match is None:
        raise ValueError(f"unexpected stream timestamp {raw!r}")
    return datetime.fromisoformat(match[1] + (match[2] or ".0")[:7] + "+00:00")


async def _as_of(nc: Client, pool: asyncpg.Pool, until: str, into: str) -> int:
    try:
        schema = asof_schema(into)
        seq, moment = await resolve_until(nc, until)
    except ValueError as exc:
        log.error("replay_usage", detail=str(exc))
        return 2
    async with pool.acquire() as conn:
        await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    await _build(nc, pool, schema, seq)
    async with pool.acquire() as conn:
        await conn.execute(f'SET search_path TO "{schema}"; {INFO_DDL}')
        await conn.execute("INSERT INTO replay_info VALUES ($1, $2)", seq, moment)
    log.info("replay_as_of_ready", name=into, schema=schema, until_seq=seq,
             until_time=moment.isoformat())
    return 0


async def _schema_exists(conn: asyncpg.Connection, schema: str) -> bool:
    return bool(await conn.fetchval(
        "SELECT count(*) FROM pg_namespace WHERE nspname = $1", schema))
