"""The machine's raw ceilings, measured in the same run as Pulih's own figures.

Publishing goes to a scratch stream (`BENCH_RAW`, same storage as the log, deleted afterwards)
so the log holds only real envelopes. Bodies are real envelopes of the synthetic log (a
SessionHeld with its attendance is ~2 KB), each with a `Nats-Msg-Id` as Pulih's appends have.
The publish ceilings are measured twice: on the bench's own nats-server (which syncs every
write, as Pulih ships it) and on one with nats-server's default sync (an fsync every 2 minutes)
for reference.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from pathlib import Path

import asyncpg
import nats
from nats.aio.client import Client
from nats.js.api import DeliverPolicy

from bench.commands import MachineryError
from bench.workload import ACK_TIMEOUT, log_of
from deploy.embedded import start_nats
from shared.delivery import stream_seq
from shared.envelope import EVENTS_PREFIX, STREAM
from shared.jetstream import STREAM_CONFIG

RAW_STREAM, RAW_PREFIX = "BENCH_RAW", "bench.raw"


async def _scratch(nc: Client) -> None:
    js = nc.jetstream()
    await js.add_stream(replace(STREAM_CONFIG, name=RAW_STREAM, subjects=[f"{RAW_PREFIX}.>"],
                                deny_delete=False, deny_purge=False))


async def _drop(nc: Client) -> None:
    await nc.jetstream().delete_stream(RAW_STREAM)


def _messages(count: int, seed: int) -> list[tuple[str, bytes, str]]:
    return [(f"{RAW_PREFIX}.{subject}", body, msg_id)
            for subject, body, msg_id in log_of(count, seed=seed)]


async def publish_each(nc: Client, seconds: float) -> float:
    """Msgs/s publishing one at a time, awaiting each ack."""
    await _scratch(nc)
    try:
        js, sent = nc.jetstream(), 0
        messages = _messages(20_000, seed=101)
        started = time.perf_counter()
        stop = started + seconds
        for subject, body, msg_id in messages:
            await js.publish(subject, body, headers={"Nats-Msg-Id": msg_id})
            sent += 1
            if time.perf_counter() >= stop:
                break
        return sent / (time.perf_counter() - started)
    finally:
        await _drop(nc)


async def publish_pipelined(nc: Client, count: int, in_flight: int) -> float:
    """Msgs/s with `in_flight` concurrent `js.publish` awaiting their acks (a sliding window)."""
    await _scratch(nc)
    try:
        js = nc.jetstream(timeout=ACK_TIMEOUT)
        messages = _messages(count, seed=202 + in_flight)
        gate = asyncio.Semaphore(in_flight)

        async def one(subject: str, body: bytes, msg_id: str) -> None:
            try:
                await js.publish(subject, body, headers={"Nats-Msg-Id": msg_id})
            finally:
                gate.release()

        started = time.perf_counter()
        tasks = []
        for message in messages:
            await gate.acquire()
            tasks.append(asyncio.create_task(one(*message)))
        await asyncio.gather(*tasks)
        return count / (time.perf_counter() - started)
    finally:
        await _drop(nc)


async def ordered_read(nc: Client, last_seq: int) -> float:
    """Events/s an ordered push consumer delivers the whole log at, doing nothing else (the log
    denies deletes: the last of `last_seq` messages must be sequence `last_seq`, or deliveries
    were lost or repeated and the figure is void)."""
    done = asyncio.Event()
    seen, last = 0, 0

    async def count(msg) -> None:
        nonlocal seen, last
        seen += 1
        if seen == last_seq:
            last = stream_seq(msg.reply)
            done.set()

    started = time.perf_counter()
    sub = await nc.jetstream().subscribe(f"{EVENTS_PREFIX}.>", stream=STREAM, cb=count,
                                         ordered_consumer=True,
                                         deliver_policy=DeliverPolicy.ALL,
                                         pending_msgs_limit=2_000_000,
                                         pending_bytes_limit=4 * 1024**3)
    await done.wait()
    elapsed = time.perf_counter() - started
    await sub.unsubscribe()
    if last != last_seq:
        raise MachineryError(f"the raw read's message {last_seq} was sequence {last}: "
                             "deliveries were lost or repeated")
    return seen / elapsed


async def copy_rows(pool: asyncpg.Pool, rows: int) -> float:
    """Rows/s asyncpg COPY writes into an ordinary, WAL-logged table (seq, 600-byte body), in
    one transaction, as a projection batch commits."""
    payload = b"x" * 600
    records = [(i, payload) for i in range(rows)]
    async with pool.acquire() as conn:
        await conn.execute("DROP TABLE IF EXISTS bench_copy")
        await conn.execute("CREATE TABLE bench_copy (seq bigint, body bytea)")
        started = time.perf_counter()
        await conn.copy_records_to_table("bench_copy", records=records)
        elapsed = time.perf_counter() - started
        await conn.execute("DROP TABLE bench_copy")
    return rows / elapsed


async def raw(nc: Client, pool: asyncpg.Pool, plan) -> dict:
    out = await publishing(nc, plan)
    out["copy_rows"] = await copy_rows(pool, plan.copy_rows)
    return out


async def publishing(nc: Client, plan) -> dict:
    out = {"publish_each": await publish_each(nc, plan.publish_each_s),
           "publish_pipelined": {}}
    for window in (256, 2000):
        out["publish_pipelined"][str(window)] = await publish_pipelined(
            nc, plan.pipelined, window)
    return out


async def reference(workdir: Path, plan) -> dict:
    """The publish ceilings on a nats-server of our own with its default sync (an fsync every
    2 minutes, not durable; data on the same disk), stopped afterwards: what
    `sync_interval: always` costs, measured in the same run."""
    server = start_nats(workdir / "default-sync", sync_always=False)
    try:
        nc = await nats.connect(server.url, name="pulih-bench-reference")
        try:
            out = await publishing(nc, plan)
        finally:
            await nc.close()
    finally:
        server.stop()
    return out
