"""The projection runner: the log → PostgreSQL read-models, in batches, exactly once.

The read-model rows and the checkpoint (last applied stream sequence) are written in one
transaction, so the checkpoint is the durable consumer position: after a crash or a reconnect
the runner resumes from it, and a redelivered message at or below it is skipped. The log is read
with an ordered push consumer (the fastest reader nats-py has), starting at checkpoint + 1.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import asyncpg
import orjson
import structlog
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js.api import ConsumerConfig, DeliverPolicy

from shared.envelope import EVENTS_PREFIX, STREAM
from shared.projection import Parked, Projection
from shared.store import Recorded
from shared.upcasting import UpcastError, upcast

log = structlog.get_logger(__name__)
# The client's own queue in front of the runner's buffer: generous, so the server's flow
# control, not a slow-consumer drop, is what holds a fast log back.
PENDING_MSGS = 500_000
PENDING_BYTES = 512 * 1024 * 1024
STALL_CHECK_S = 5.0
# Under a steady stream of commands the consumer is "caught up" after almost every message;
# applying each trickle at once would cost a transaction (a dozen round trips) per event. A
# partial batch is applied at once after a quiet spell, but at most this often while busy:
# lag stays a few tens of ms, and the reporting service's CPU per event drops several-fold.
BUSY_INTERVAL_S = 0.02

KERNEL_DDL = """
CREATE TABLE IF NOT EXISTS checkpoint (
    runner text PRIMARY KEY, last_seq bigint NOT NULL, updated_at timestamptz NOT NULL
);
CREATE TABLE IF NOT EXISTS parked (
    projection text NOT NULL, seq bigint NOT NULL, subject text NOT NULL, reason text NOT NULL,
    body bytea NOT NULL, parked_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (projection, seq)
);
"""


@dataclass(frozen=True, slots=True)
class Delivery:
    """One message of the log as the runner received it: decoded, or why it cannot be."""

    seq: int
    subject: str
    data: bytes
    envelope: dict | None
    error: str = ""  # why it is parked for every projection


def decode(msg: Msg) -> Delivery:
    seq = stream_seq(msg.reply)
    try:
        envelope = orjson.loads(msg.data)
    except orjson.JSONDecodeError as exc:
        return Delivery(seq, msg.subject, msg.data, None, f"malformed body: {exc}")
    if not isinstance(envelope, dict):
        return Delivery(seq, msg.subject, msg.data, None, "malformed body: not a JSON object")
    try:
        # Projections meet current schema versions only; `data` (raw bytes) stays as stored.
        envelope = upcast(envelope)
    except UpcastError as exc:
        return Delivery(seq, msg.subject, msg.data, None, str(exc))
    return Delivery(seq, msg.subject, msg.data, envelope)


class ConsumerStalled(Exception):
    """The consumer stopped delivering before the end of the log; follow again."""


class CheckpointMoved(Exception):
    """Someone else advanced or reset this read-model; resume from its checkpoint."""


class ProjectionRunner:
    @property
    def parked_count(self) -> int:
        return sum(self.parked.values())

    def __init__(
        self,
        nc: Client,
        pool: asyncpg.Pool,
        projections: Sequence[Projection],
        *,
        name: str = "reporting",
        schema: str = "readmodel",
        batch_size: int = 2000,
        linger: float = 0.05,
        max_buffer: int = 20_000,
        on_batch: Callable[[int, int], None] | None = None,
        stop_at: int | None = None,
        busy_interval: float = BUSY_INTERVAL_S,
    ):
        self.name, self.schema = name, schema
        self.projections = list(projections)
        self._nc, self._pool = nc, pool
        self._batch_size, self._linger, self._max_buffer = batch_size, linger, max_buffer
        self._buffer: list[Delivery] = []
        self._ready = asyncio.Event()
        self._space = asyncio.Event()
        self._progress = asyncio.Event()
        self.last_seq = 0
        self.parked: Counter[str] = Counter()  # parked events per projection ("*": every one)
        self._on_batch = on_batch  # (last_seq, messages in the batch): progress reporting
        self.stop_at = stop_at  # build the read-models as they were at this sequence
        self._busy_interval = busy_interval

    async def prepare(self) -> None:
        """Create the schema, the tables and the checkpoint; idempotent."""
        async with self._pool.acquire() as conn, conn.transaction():
            await conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"')
            await conn.execute(f'SET LOCAL search_path TO "{self.schema}"')
            await conn.execute(KERNEL_DDL)
            for projection in self.projections:
                await conn.execute(projection.ddl)
            await conn.execute(
                "INSERT INTO checkpoint (runner, last_seq, updated_at) VALUES ($1, 0, now()) "
                "ON CONFLICT DO NOTHING", self.name)
            self.last_seq = await conn.fetchval(
                "SELECT last_seq FROM checkpoint WHERE runner = $1", self.name)
            self.parked = Counter(dict(await conn.fetch(
                "SELECT projection, count(*) FROM parked GROUP BY projection")))

    async def run(self) -> None:
        """Follow the log for ever, resuming from the checkpoint after any failure."""
        await self.prepare()
        delay = 0.1
        while True:
            try:
                await self._follow()
            except asyncio.CancelledError:
                raise
            except (CheckpointMoved, ConsumerStalled) as exc:
                log.info("runner_resumes_from_checkpoint", runner=self.name, detail=str(exc))
                await self._reload_checkpoint()
            except Exception:
                log.exception("projection_runner_failed", runner=self.name, last_seq=self.last_seq)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
                await self._reload_checkpoint()

    async def run_until(self, seq: int) -> None:
        """Apply everything up to `seq` and return (a rebuild, a test)."""
        await self.prepare()
        if self.last_seq >= seq:
            return
        task = asyncio.create_task(self.run())
        try:
            await self.wait_for(seq, timeout=None)
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    async def wait_for(self, seq: int, timeout: float | None = 10.0) -> None:
        async def reached() -> None:
            while self.last_seq < seq:
                self._progress.clear()
                await self._progress.wait()

        await asyncio.wait_for(reached(), timeout)

    async def _reload_checkpoint(self) -> None:
        try:
            await self.prepare()
        except Exception:
            log.warning("checkpoint_unreadable", runner=self.name)

    async def _follow(self) -> None:
        self._buffer.clear()
        js = self._nc.jetstream()
        sub = await js.subscribe(
            f"{EVENTS_PREFIX}.>", stream=STREAM, ordered_consumer=True, cb=self._receive,
            config=ConsumerConfig(deliver_policy=DeliverPolicy.BY_START_SEQUENCE,
                                  opt_start_seq=self.last_seq + 1),
            pending_msgs_limit=PENDING_MSGS, pending_bytes_limit=PENDING_BYTES,
        )
        quiet_since, applied_at = time.monotonic(), 0.0
        try:
            while True:
                # A batch is ready when full, or when the consumer has nothing more pending
                # (caught up: apply now, lag matters); the linger is only a safety net.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._ready.wait(), self._linger)
                if not self._buffer:
                    if time.monotonic() - quiet_since > STALL_CHECK_S:
                        await self._check_not_stalled(js)
                        quiet_since = time.monotonic()
                    continue
                size = self._batch_size
                if len(self._buffer) < size:  # a partial batch: let a busy stream fill it
                    await asyncio.sleep(max(0.0, applied_at + self._busy_interval
                                            - time.monotonic()))
                quiet_since = applied_at = time.monotonic()
                batch, self._buffer = self._buffer[:size], self._buffer[size:]
                if len(self._buffer) < size:
                    self._ready.clear()
                self._space.set()
                await self.apply(batch)
        finally:
            await sub.unsubscribe()

    async def _check_not_stalled(self, js) -> None:
        """Nothing arrived for a while: fine if we are at the end of the log. If the log has
        more, a delivery was lost (a slow-consumer drop of the very last messages leaves no
        later message to reveal the gap): follow again from the checkpoint."""
        last = (await js.stream_info(STREAM)).state.last_seq
        if last > self.last_seq and (self.stop_at is None or self.stop_at > self.last_seq):
            raise ConsumerStalled(f"log at {last}, applied {self.last_seq}, nothing arriving")

    async def _receive(self, msg: Msg) -> None:
        while len(self._buffer) >= self._max_buffer:
            self._space.clear()
            await self._space.wait()
        # Decoded here, as messages arrive, so the work overlaps the batch being written.
        self._buffer.append(decode(msg))
        if len(self._buffer) >= self._batch_size or msg.reply.endswith(".0"):
            self._ready.set()  # full, or the last message pending (num_pending is 0)

    async def apply(self, batch: list[Delivery]) -> None:
        """Apply one batch of log messages in one transaction with the checkpoint."""
        records, parked, bodies = [], [], {}
        expected = self.last_seq + 1
        for delivery in batch:
            seq = delivery.seq
            if seq < expected:
                continue  # redelivered: already applied, or already in this batch
            if self.stop_at is not None and seq > self.stop_at:
                continue
            # The stream allows no deletes, so its sequences have no holes: a jump means a
            # delivery was lost on the way (a client-side slow-consumer drop). Nothing of the
            # batch is written; the runner follows again from its checkpoint. (From an empty
            # checkpoint the stream may start above 1 if an operator created it with limits.)
            if seq > expected and self.last_seq > 0:
                raise ConsumerStalled(f"delivery gap: expected {expected}, got {seq}")
            expected = seq + 1
            bodies[seq] = delivery
            if delivery.envelope is None:
                parked.append(("*", Parked(seq, delivery.error)))
            else:
                records.append(Recorded(seq, delivery.envelope))
        if not bodies:
            return
        top = max(bodies)
        async with self._pool.acquire() as conn, conn.transaction():
            # Derived data only: a commit lost in a PostgreSQL crash loses its checkpoint with
            # it, and the runner re-applies from the previous one. Custom plans: the tables
            # grow from empty during a rebuild, and a generic plan from then would scan.
            await conn.execute(f'SET LOCAL search_path TO "{self.schema}"; '
                               "SET LOCAL synchronous_commit TO off; "
                               "SET LOCAL plan_cache_mode TO force_custom_plan")
            # The row lock serialises runners sharing a schema; a checkpoint that moved under
            # us (another instance, a replay swapped the schema in) is honoured, never overrun.
            current = await conn.fetchval(
                "SELECT last_seq FROM checkpoint WHERE runner = $1 FOR UPDATE", self.name)
            if current != self.last_seq:
                raise CheckpointMoved(f"checkpoint is {current}, runner was at {self.last_seq}")
            for projection in self.projections:
                parked += [(projection.name, p) for p in await projection.apply(conn, records)]
            if parked:
                await conn.executemany(
                    "INSERT INTO parked (projection, seq, subject, reason, body) "
                    "VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
                    [(name, p.seq, bodies[p.seq].subject, p.reason, bodies[p.seq].data)
                     for name, p in parked])
            await conn.execute(
                "INSERT INTO checkpoint (runner, last_seq, updated_at) VALUES ($1, $2, now()) "
                "ON CONFLICT (runner) DO UPDATE SET last_seq = $2, updated_at = now()",
                self.name, top)
        for name, p in parked:
            log.warning("event_parked", runner=self.name, projection=name, seq=p.seq,
                        reason=p.reason)
        self.parked.update(name for name, _ in parked)
        self.last_seq = top
        self._progress.set()
        if self._on_batch is not None:
            self._on_batch(top, len(batch))


def stream_seq(reply: str) -> int:
    """The stream sequence from a JetStream delivery's reply subject, without the general
    metadata parse (hot path): `$JS.ACK.<stream>.<consumer>.<delivered>.<sseq>.…` (9 tokens),
    or with domain and account hash `$JS.ACK.<domain>.<hash>.<stream>.…` (12 tokens)."""
    parts = reply.split(".")
    return int(parts[5] if len(parts) == 9 else parts[7])
