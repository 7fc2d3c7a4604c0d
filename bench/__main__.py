"""`python -m bench [--events N ...]`: measure Pulih against this machine's raw ceilings.

Starts its own servers (or uses PULIH_NATS_URL / PULIH_DATABASE_URL), builds a realistic log,
prints one table and writes it to bench/results/ as Markdown and JSON. Never fails on a timing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import tempfile
import time
from pathlib import Path

import asyncpg
import nats

from bench import ceilings
from bench.workload import log_of, publish
from services.reporting.main import projections
from shared.embedded import start_nats, start_postgres
from shared.envelope import STREAM
from shared.jetstream import ensure_stream
from shared.runner import ProjectionRunner
from shared.runtime import tune_gc

RESULTS = Path(__file__).parent / "results"


async def rebuild(nc, pool, last_seq: int) -> float:
    schema = f"bench_{int(time.time() * 1000)}"
    runner = ProjectionRunner(nc, pool, projections(), schema=schema)
    await runner.prepare()
    started = time.perf_counter()
    await runner.run_until(last_seq)
    rate = last_seq / (time.perf_counter() - started)
    async with pool.acquire() as conn:
        await conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
    return rate


async def run(sizes: list[int], nats_url: str, database_url: str) -> list[dict]:
    tune_gc()
    nc = await nats.connect(nats_url)
    await ensure_stream(nc)
    pool = await asyncpg.create_pool(database_url, min_size=2, max_size=8)
    rows: list[dict] = []
    try:
        have = 0
        for size in sizes:
            started = time.perf_counter()
            have += await publish(nc, log_of(size - have, seed=size))
            generate_s = time.perf_counter() - started
            last = (await nc.jetstream().stream_info(STREAM)).state.last_seq
            read = await ceilings.ordered_read(nc, last)
            copy = await ceilings.copy_rows(pool, min(last, 200_000))
            rebuilt = await rebuild(nc, pool, last)
            rows.append({"events": last, "generate_s": round(generate_s, 1),
                         "raw_read_ev_s": round(read), "raw_copy_rows_s": round(copy),
                         "rebuild_ev_s": round(rebuilt),
                         "rebuild_over_read": round(rebuilt / read, 2)})
    finally:
        await pool.close()
        await nc.drain()
    return rows


def table(rows: list[dict]) -> str:
    head = list(rows[0])
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(str(r[k]) for k in head) + " |" for r in rows]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--events", type=int, nargs="+", default=[100_000],
                        help="log sizes to measure at (cumulative), e.g. 100000 1000000")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pulih-bench-") as tmp:
        servers = []
        nats_url = os.environ.get("PULIH_NATS_URL")
        database_url = os.environ.get("PULIH_DATABASE_URL")
        if not nats_url:
            servers.append(start_nats(Path(tmp)))
            nats_url = servers[-1].url
        if not database_url:
            servers.append(start_postgres(Path(tmp)))
            database_url = servers[-1].url
        try:
            rows = asyncio.run(run(args.events, nats_url, database_url))
        finally:
            for server in servers:
                server.stop()
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    text = f"# Pulih benchmark — rebuild\n\nMachine: {machine}\n\n{table(rows)}\n"
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "rebuild.md").write_text(text)
    (RESULTS / "rebuild.json").write_text(json.dumps({"machine": machine, "rows": rows},
                                                     indent=2))
    print(text)


if __name__ == "__main__":
    main()
