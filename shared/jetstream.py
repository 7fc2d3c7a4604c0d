"""The event store on NATS JetStream: the immutable stream, checked appends, batched reads."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import nats.errors
import orjson
import structlog
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js.api import DiscardPolicy, RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import BadRequestError, NotFoundError

from shared.envelope import EVENTS_PREFIX, STREAM, StreamId
from shared.store import EventStore, History, Recorded, StoreUnavailable, WrongLastSequence
from shared.upcasting import upcast_records

log = structlog.get_logger(__name__)

WRONG_LAST_SEQUENCE = 10071
READ_BATCH = 1000
TIMEOUT = 5.0

STREAM_CONFIG = StreamConfig(
    name=STREAM,
    subjects=[f"{EVENTS_PREFIX}.>"],
    storage=StorageType.FILE,
    retention=RetentionPolicy.LIMITS,
    discard=DiscardPolicy.OLD,
    max_age=0,
    max_bytes=-1,
    max_msgs=-1,
    deny_delete=True,
    deny_purge=True,
    allow_rollup_hdrs=False,
    allow_direct=True,
)


async def ensure_stream(nc: Client, duplicate_window: float = 120.0) -> None:
    """Create the stream once. An existing stream is never reconfigured: it is the source of
    truth, and a silent rewrite (FastStream's declare=True does one) could weaken it."""
    js = nc.jetstream()
    try:
        info = await js.stream_info(STREAM)
    except NotFoundError:
        await js.add_stream(replace(STREAM_CONFIG, duplicate_window=duplicate_window))
        log.info("stream_created", stream=STREAM)
        return
    cfg = info.config
    if not (cfg.deny_delete and cfg.deny_purge and cfg.allow_direct):
        log.warning("stream_config_differs", stream=STREAM, deny_delete=cfg.deny_delete,
                    deny_purge=cfg.deny_purge, allow_direct=cfg.allow_direct)


class DirectReader:
    """Direct gets (server ≥ 2.11) over one long-lived reply subscription: the last message of
    each subject under a filter (`multi_last`, served from the server's subject index at any
    log size), and the messages under a filter from a sequence on, in batches."""

    def __init__(self, nc: Client):
        self._nc = nc
        self._prefix = nc.new_inbox()
        self._ids = itertools.count()
        self._waiting: dict[str, asyncio.Queue[Msg]] = {}
        self._sub = None

    async def _route(self, msg: Msg) -> None:
        queue = self._waiting.get(msg.subject)
        if queue is not None:
            queue.put_nowait(msg)

    async def lasts(self, prefixes: Sequence[str]) -> dict[str, list[Recorded]]:
        """The newest message of every subject `{prefix}.*`, per prefix, in sequence order:
        several aggregates in one request."""
        out: list[tuple[str, Recorded]] = []
        await self._request({"multi_last": [f"{p}.*" for p in prefixes], "batch": READ_BATCH},
                            out, ",".join(prefixes))
        found: dict[str, list[Recorded]] = {}
        for subject, record in sorted(out, key=lambda pair: pair[1].seq):
            found.setdefault(subject.rpartition(".")[0], []).append(record)
        return found

    async def read(self, subject_filter: str, from_seq: int, count: int | None = None
                   ) -> list[Recorded]:
        """Messages matching the filter from `from_seq` on: all of them, or the first `count`
        (a known count lets the server stop there instead of searching on to the tail)."""
        out: list[tuple[str, Recorded]] = []
        while True:
            batch = READ_BATCH if count is None else min(READ_BATCH, count - len(out))
            request = {"seq": from_seq, "next_by_subj": subject_filter, "batch": batch}
            more = await self._request(request, out, subject_filter)
            if not more or (count is not None and len(out) >= count):
                return [record for _, record in out]
            from_seq = out[-1][1].seq + 1

    async def _request(self, request: dict, out: list[tuple[str, Recorded]], what: str
                       ) -> bool:
        if self._sub is None:
            self._sub = await self._nc.subscribe(f"{self._prefix}.*", cb=self._route)
        reply = f"{self._prefix}.{next(self._ids)}"
        queue: asyncio.Queue[Msg] = asyncio.Queue()
        self._waiting[reply] = queue
        try:
            await self._nc.publish(f"$JS.API.DIRECT.GET.{STREAM}", orjson.dumps(request),
                                   reply=reply)
            return await asyncio.wait_for(self._drain(queue, out), TIMEOUT)
        except (TimeoutError, nats.errors.Error) as exc:
            raise StoreUnavailable(f"reading {what}: {exc!r}") from exc
        finally:
            del self._waiting[reply]

    @staticmethod
    async def _drain(queue: asyncio.Queue[Msg], out: list[tuple[str, Recorded]]) -> bool:
        """Collect one batch; True when the server says more remain after it."""
        while True:
            msg = await queue.get()
            headers = msg.headers or {}
            status = headers.get("Status")
            if status == "404":
                return False
            if status == "204":  # end of batch
                return int(headers.get("Nats-Num-Pending", "0")) > 0
            if status:
                raise StoreUnavailable(f"direct get status {status}")
            out.append((headers["Nats-Subject"],
                        Recorded(int(headers["Nats-Sequence"]), orjson.loads(msg.data))))


class JetStreamEventStore(EventStore):
    def __init__(self, nc: Client, **kwargs: Any):
        super().__init__(**kwargs)
        self._js = nc.jetstream(timeout=TIMEOUT)
        self._reader = DirectReader(nc)

    async def _read(self, stream: StreamId, after: History) -> list[Recorded]:
        return (await self._read_many([(stream, after)]))[0]

    async def _read_many(self, wanted: Sequence[tuple[StreamId, History]]
                         ) -> list[list[Recorded]]:
        """What each aggregate recorded after its history. First, in one request for all of
        them, the newest event of each of their subjects: that answers "nothing new" (most
        loads) and "no such aggregate" (every create) from the server's subject index, at the
        same cost at 10k or 10M events. When an aggregate has more, its version says how many,
        so its read stops at the newest instead of scanning to the tail; often the newest
        events are already in hand."""
        lasts = await self._reader.lasts([stream.prefix for stream, _ in wanted])
        return [await self._after(stream, after, lasts.get(stream.prefix, []))
                for stream, after in wanted]

    async def _after(self, stream: StreamId, after: History, lasts: list[Recorded]
                     ) -> list[Recorded]:
        fresh = [r for r in lasts if r.seq > after.last_seq]
        if not fresh:
            return []
        count = fresh[-1].envelope["aggregate_version"] - after.version
        if count == len(fresh):
            return fresh
        records = await self._reader.read(stream.filter, after.last_seq + 1, max(count, 1))
        if not records or records[-1].seq != fresh[-1].seq:  # versions not as written: read all
            records = await self._reader.read(stream.filter, after.last_seq + 1)
        return records

    async def read_filter(
        self, subject_filter: str, from_seq: int = 1, *, raw: bool = False
    ) -> list[Recorded]:
        """Any subject filter, e.g. one aggregate in whatever prison (the audit report: raw)."""
        records = await self._reader.read(subject_filter, from_seq)
        return records if raw else upcast_records(records)

    async def _publish(
        self, stream: StreamId, envelope: dict[str, Any], expected_last_seq: int
    ) -> tuple[int, bool]:
        headers = {
            "Nats-Msg-Id": envelope["event_id"],
            "Nats-Expected-Last-Subject-Sequence": str(expected_last_seq),
            "Nats-Expected-Last-Subject-Sequence-Subject": stream.filter,
        }
        try:
            # js.publish, not publish_async: the async variant never resolves on a server error.
            ack = await self._js.publish(stream.subject(envelope["type"]),
                                         orjson.dumps(envelope), headers=headers)
        except BadRequestError as exc:
            if exc.err_code == WRONG_LAST_SEQUENCE:
                raise WrongLastSequence(stream.prefix) from exc
            raise
        except (nats.errors.TimeoutError, nats.errors.NoRespondersError,
                nats.errors.ConnectionClosedError) as exc:
            raise StoreUnavailable(f"appending to {stream.prefix}: {exc!r}") from exc
        return ack.seq, bool(ack.duplicate)
