"""The projection runner: the log → PostgreSQL read-models, in batches, exactly once.

The read-model rows and the checkpoint (last applied stream sequence) are written in one
transaction, so the checkpoint is the durable consumer position: after a crash or a reconnect
the runner resumes from it, and a redelivered message at or below it is skipped. The log is read
with an ordered push consumer (the fastest reader nats-py has), starting at checkpoint + 1.

With a backlog, batches are pipelined: batch N+1 is read and folded (Python) on one connection
while batch N is written (PostgreSQL) on another. The documents N changes are handed to N+1's
fold directly, since the database cannot show them before N commits; everything else N+1 reads
was committed by this runner. N+1's transaction then checks that the checkpoint is N's top, so
a failed N, or another writer in between, voids N+1 too, and the runner resumes from the
checkpoint. At most one batch is in flight.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import asyncpg
import structlog
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js.api import ConsumerConfig, DeliverPolicy

from shared.delivery import Delivery, decode
from shared.envelope import EVENTS_PREFIX, STREAM
from shared.projection import Folded, Parked, Projection
from shared.store import Recorded

log = structlog.get_logger(__name__)
# The client's own queue in front of the runner's buffer: above the server's flow-control
# window (32 MiB outstanding at most; measured ≤ 21 MB queued during a rebuild), so flow
# control, not a slow-consumer drop, is what holds a fast log back.
PENDING_MSGS = 200_000
PENDING_BYTES = 64 * 1024 * 1024
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
        pending_bytes: int = PENDING_BYTES,
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
        self._busy_interval, self._pending_bytes = busy_interval, pending_bytes
        self.resumes = 0  # follows restarted from the checkpoint (a lost delivery, a swap)
        self._folded_seq = 0  # the last sequence folded: last_seq, or the batch being written
        self._writing: Batch | None = None

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
            self._folded_seq = self.last_seq
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
                self.resumes += 1
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
            pending_msgs_limit=PENDING_MSGS, pending_bytes_limit=self._pending_bytes,
        )
        _flow_control_when_taken(sub)
        quiet_since, applied_at = time.monotonic(), 0.0
        self._folded_seq = self.last_seq
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
                # Pipelined: this batch is folded while the previous one is being written.
                folded = await self._fold(batch)
                await self._written()
                if folded is not None:
                    folded.task = asyncio.create_task(self._write(folded))
                    self._writing = folded
                if len(self._buffer) < size:  # caught up: nothing to overlap with
                    await self._written()
        finally:
            if self._writing is not None and self._writing.task is not None:
                self._writing.task.cancel()
                await asyncio.gather(self._writing.task, return_exceptions=True)
            self._writing = None
            await sub.unsubscribe()

    async def _written(self) -> None:
        """Wait for the batch being written; its failure is the caller's."""
        if self._writing is not None and self._writing.task is not None:
            try:
                await self._writing.task
            finally:
                self._writing = None

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
        try:
            folded = await self._fold(batch)
            if folded is not None:
                await self._write(folded)
        finally:
            self._folded_seq = self.last_seq

    async def _fold(self, batch: list[Delivery]) -> Batch | None:
        """Read what the batch touches and fold it, writing nothing. Documents of the batch
        being written meanwhile (`self._writing`) come from it: the database cannot show them
        yet. Reads see everything else as committed by this runner's previous batches."""
        records, parked, bodies = [], [], {}
        expected = self._folded_seq + 1
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
            if seq > expected and self._folded_seq > 0:
                raise ConsumerStalled(f"delivery gap: expected {expected}, got {seq}")
            expected = seq + 1
            bodies[seq] = delivery
            if delivery.envelope is None:
                parked.append(("*", Parked(seq, delivery.error)))
            else:
                records.append(Recorded(seq, delivery.envelope))
        if not bodies:
            return None
        writing = self._writing.folded if self._writing else [None] * len(self.projections)
        folded = []
        async with self._pool.acquire() as conn, conn.transaction(readonly=True):
            # Custom plans: a load prepared while its table was still empty (a rebuild starts
            # from nothing) can settle on a cached generic plan that scans the whole table,
            # and keep it as the table grows (rebuilds 3x slower in bench runs).
            await conn.execute(f'SET LOCAL search_path TO "{self.schema}"; '
                               "SET LOCAL plan_cache_mode TO force_custom_plan")
            for projection, unsaved in zip(self.projections, writing, strict=True):
                done = await projection.fold(conn, records, unsaved.changed if unsaved else {})
                parked += [(projection.name, p) for p in done.parked]
                folded.append(done)
        result = Batch(self._folded_seq, max(bodies), len(batch), folded, parked, bodies)
        self._folded_seq = result.top
        return result

    async def _write(self, batch: Batch) -> None:
        """Write a folded batch and the checkpoint in one transaction."""
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
            if current != batch.after:
                raise CheckpointMoved(f"checkpoint is {current}, runner was at {batch.after}")
            for projection, folded in zip(self.projections, batch.folded, strict=True):
                if folded.changed:
                    await projection.save(conn, folded.changed)
            if batch.parked:
                await conn.executemany(
                    "INSERT INTO parked (projection, seq, subject, reason, body) "
                    "VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
                    [(name, p.seq, batch.bodies[p.seq].subject, p.reason,
                      batch.bodies[p.seq].data) for name, p in batch.parked])
            await conn.execute(
                "INSERT INTO checkpoint (runner, last_seq, updated_at) VALUES ($1, $2, now()) "
                "ON CONFLICT (runner) DO UPDATE SET last_seq = $2, updated_at = now()",
                self.name, batch.top)
        for name, p in batch.parked:
            log.warning("event_parked", runner=self.name, projection=name, seq=p.seq,
                        reason=p.reason)
        self.parked.update(name for name, _ in batch.parked)
        self.last_seq = batch.top
        self._progress.set()
        if self._on_batch is not None:
            self._on_batch(batch.top, batch.size)


def _flow_control_when_taken(psub) -> None:
    """Make the server's flow control hold the log back while the runner is busy.

    nats-py (2.16) answers a push consumer's flow-control request as soon as the messages before
    it have *arrived* when the subscription has a callback (it counts arrivals as deliveries), so
    the server never slows down and a busy runner ends in slow-consumer drops (which the runner
    detects as a sequence gap, at the cost of a resume). Counting the messages the callback has
    not taken yet as undelivered lets the client's own periodic check answer once they are taken.
    Private attributes: if they change, the drops (and resumes) come back, nothing worse."""
    sub = getattr(psub, "_sub", None)
    jsi, queue = getattr(sub, "_jsi", None), getattr(sub, "_pending_queue", None)
    if jsi is None or queue is None or not hasattr(jsi, "_fciseq"):
        log.warning("flow_control_unpatched", reason="nats-py internals differ")
        return
    jsi.get_js_delivered = lambda: jsi._fciseq - queue.qsize()


@dataclass
class Batch:
    """A batch folded after `after`, up to `top`, waiting to be written."""

    after: int
    top: int
    size: int  # messages delivered, redeliveries included
    folded: list[Folded]
    parked: list[tuple[str, Parked]]
    bodies: dict[int, Delivery]
    task: asyncio.Task | None = None
