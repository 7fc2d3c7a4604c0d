"""The projection runner: the log → PostgreSQL read-models, in batches, exactly once.

The read-model rows and the checkpoint (last applied stream sequence) are written in one
transaction, so the checkpoint is the durable consumer position: after a crash or a reconnect
the runner resumes from it, and a redelivered message at or below it is skipped. The log is read
with an ordered push consumer (the fastest reader nats-py has; named from reporting's pool,
shared/consumers.py), starting at checkpoint + 1.

With a backlog, batches are pipelined: batch N+1 is read and folded (Python) on one connection
while batch N is written (PostgreSQL) on another. The documents N changes are handed to N+1's
fold directly, since the database cannot show them before N commits; everything else N+1 reads
was committed by this runner. N+1's transaction then checks that the checkpoint is N's top, so
a failed N, or another writer in between, voids N+1 too, and the runner resumes from the
checkpoint. At most one batch is in flight.

Batches carry the checkpoint's generation, which a replay's swap bumps (shared/checkpoint.py);
every batch, and an idle runner now and then, checks the log base (shared/logbase.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from collections.abc import Callable, Sequence

import asyncpg
import structlog
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js.api import ConsumerConfig, DeliverPolicy

from shared import consumers
from shared.batches import Batch, CheckpointMoved, ConsumerStalled, LogDiverged, fold, write
from shared.checkpoint import check_unmoved, prepare
from shared.delivery import Delivery, decode, flow_control_when_taken
from shared.envelope import EVENTS_PREFIX
from shared.logbase import check_at_end, start_base, verify_base
from shared.projection import Projection

log = structlog.get_logger(__name__)
# The client's own queue in front of the runner's buffer: above the server's flow-control
# window (32 MiB outstanding at most; measured ≤ 21 MB queued during a rebuild), so flow
# control, not a slow-consumer drop, is what holds a fast log back.
PENDING_MSGS = 200_000
PENDING_BYTES = 64 * 1024 * 1024
STALL_CHECK_S = 5.0  # idle: is the log longer than what arrived, and still ours?
SWAP_CHECK_S = 0.5  # idle: did a replay swap another checkpoint in?
DIVERGED_RETRY_S = 5.0  # the log went backwards: look again (a replay may have rebuilt it)
# Under a steady stream of commands the consumer is "caught up" after almost every message;
# applying each trickle at once would cost a transaction (a dozen round trips) per event. A
# partial batch is applied at once after a quiet spell, but at most this often while busy:
# lag stays a few tens of ms, and the reporting service's CPU per event drops several-fold.
BUSY_INTERVAL_S = 0.02
# Decoded messages waiting for the fold, in batches: two (one being taken while the next
# fills) keep the fold fed. A decoded envelope holds ~5.5 KB of Python objects (its raw body
# ~1 KB): the former 20,000 held ~110 MB during a backlog (a rebuild, a restart), for no
# throughput (measured: 2 batches or 10, the same events/s); what the server sends beyond
# waits raw in the client's queue, held back by flow control.
BUFFERED_BATCHES = 2


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
        max_buffer: int | None = None,  # decoded messages held at most (BUFFERED_BATCHES)
        on_batch: Callable[[int, int], None] | None = None,
        stop_at: int | None = None,
        busy_interval: float = BUSY_INTERVAL_S,
        pending_bytes: int = PENDING_BYTES,
    ):
        self.name, self.schema = name, schema
        self.projections = list(projections)
        self._nc, self._pool = nc, pool
        self._batch_size, self._linger = batch_size, linger
        self._max_buffer = max_buffer or BUFFERED_BATCHES * batch_size
        self._buffer: list[Delivery] = []
        self._ready, self._space, self._progress = asyncio.Event(), asyncio.Event(), asyncio.Event()
        self.last_seq, self.generation = 0, 0
        self._last_hash: bytes | None = None  # of the message at last_seq (None: not known)
        self.problem: str | None = None  # why nothing is applied (the log went backwards)
        self._first: int | None = None  # the stream's first sequence, from an empty checkpoint
        self.parked: Counter[str] = Counter()  # parked events per projection ("*": every one)
        # Progress hook, after each batch commits: (last_seq, messages in the batch).
        self.on_batch = on_batch
        self.stop_at = stop_at  # build the read-models as they were at this sequence
        self._busy_interval, self._pending_bytes = busy_interval, pending_bytes
        self.resumes = 0  # follows restarted from the checkpoint (a lost delivery, a swap)
        # The last sequence folded (last_seq, or the batch being written) and its hash.
        self._folded_seq, self._folded_hash = 0, None
        self._writing: Batch | None = None

    async def prepare(self) -> None:
        """Create the schema, the tables and the checkpoint; idempotent. A schema built with
        another layout of the projections is rebuilt from scratch (shared/layout.py)."""
        found = await prepare(self._pool, self.schema, self.name, self.projections)
        self.last_seq, self.generation, self._last_hash, self.parked = found
        self._folded_seq, self._folded_hash = self.last_seq, self._last_hash

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
            except LogDiverged as exc:
                if self.problem != str(exc):
                    log.error("log_diverged", runner=self.name, detail=str(exc))
                self.problem = str(exc)
                await asyncio.sleep(DIVERGED_RETRY_S)
                await self._reload_checkpoint()
            except Exception:
                if asyncio.current_task().cancelling():  # a failure while stopping: stop
                    raise asyncio.CancelledError from None
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
        self._first = await start_base(self._nc, self.name, self.last_seq, self._last_hash)
        if self.problem is not None:
            log.info("log_base_restored", runner=self.name, last_seq=self.last_seq)
            self.problem = None
        sub = await consumers.subscribe(
            self._nc, f"{EVENTS_PREFIX}.>", self._receive,
            ConsumerConfig(deliver_policy=DeliverPolicy.BY_START_SEQUENCE,
                           opt_start_seq=self.last_seq + 1),
            pending_msgs_limit=PENDING_MSGS, pending_bytes_limit=self._pending_bytes,
        )
        flow_control_when_taken(sub)
        quiet_since = polled_at = time.monotonic()
        applied_at = 0.0
        self._folded_seq, self._folded_hash = self.last_seq, self._last_hash
        try:
            while True:
                # A batch is ready when full, or when the consumer has nothing more pending
                # (caught up: apply now, lag matters); the linger is only a safety net.
                await until_set(self._ready, self._linger)
                if not self._buffer:
                    if time.monotonic() - polled_at > SWAP_CHECK_S:
                        await check_unmoved(self._pool, self.schema, self.name,
                                            (self.last_seq, self.generation))
                        polled_at = time.monotonic()
                    if time.monotonic() - quiet_since > STALL_CHECK_S:
                        await check_at_end(self._nc, self.name, self.last_seq,
                                           self._last_hash, self.stop_at)
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
            await consumers.close(self._nc, sub)  # errors (closed first, at shutdown) ignored

    async def _written(self) -> None:
        """Wait for the batch being written; its failure is the caller's."""
        if self._writing is not None and self._writing.task is not None:
            try:
                await self._writing.task
            finally:
                self._writing = None

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
            self._folded_seq, self._folded_hash = self.last_seq, self._last_hash

    async def _fold(self, deliveries: list[Delivery]) -> Batch | None:
        # The batch extends what was applied (or is being written) only if the log still
        # holds that event: a stream replaced under the consumer is not followed blindly.
        await verify_base(self._nc, self.name, self._folded_seq, self._folded_hash)
        batch = await fold(self._pool, self.schema, self.projections, deliveries,
                           self._folded_seq, self.generation, self.stop_at, self._writing,
                           self._first)
        if batch is not None:
            self._folded_seq, self._folded_hash = batch.top, batch.top_hash
        return batch

    async def _write(self, batch: Batch) -> None:
        await write(self._pool, self.schema, self.name, self.projections, batch)
        for name, p in batch.parked:
            log.warning("event_parked", runner=self.name, projection=name, seq=p.seq,
                        reason=p.reason)
        self.parked.update(name for name, _ in batch.parked)
        self.last_seq, self._last_hash = batch.top, batch.top_hash
        self._progress.set()
        if self.on_batch is not None:
            self.on_batch(batch.top, batch.size)


async def until_set(event: asyncio.Event, seconds: float) -> None:
    """Wait for `event`, at most `seconds`. Not `asyncio.wait_for`: on Python 3.11 it returns
    normally when the event is set in the same loop turn as the waiting task is cancelled,
    swallowing the cancellation, and the runner's loop then never stopped (a test's teardown
    waited 300 s for it)."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            await event.wait()
