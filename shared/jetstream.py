"""The event store on NATS JetStream: the immutable stream, checked appends, batched reads."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import nats.errors
import orjson
import structlog
from nats.aio.client import Client
from nats.js.api import DiscardPolicy, RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import BadRequestError, NotFoundError

from shared.direct import COMMAND_HEADER, TIMEOUT, DirectReader
from shared.envelope import EVENTS_PREFIX, STREAM, StreamId
from shared.store import (
    Claim,
    EventStore,
    History,
    Recorded,
    StoreUnavailable,
    WrongLastSequence,
)

log = structlog.get_logger(__name__)

WRONG_LAST_SEQUENCE = 10071
# Command ids already used, one message per id: `{CLAIMS_PREFIX}.{command_id}` holds the
# aggregate and fingerprint of the command that first reached its append (see README).
CLAIMS_STREAM = "PULIH_COMMAND_IDS"
CLAIMS_PREFIX = "pulih.commands-seen"

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


CLAIMS_CONFIG = replace(STREAM_CONFIG, name=CLAIMS_STREAM, subjects=[f"{CLAIMS_PREFIX}.*"],
                        max_msgs_per_subject=1, duplicate_window=1.0)


async def ensure_claims(nc: Client) -> None:
    """The command-id stream, created once (immutable like the log: deletes and purges denied)."""
    js = nc.jetstream()
    try:
        await js.stream_info(CLAIMS_STREAM)
    except NotFoundError:
        await js.add_stream(CLAIMS_CONFIG)
        log.info("stream_created", stream=CLAIMS_STREAM)


async def ensure_stream(nc: Client, duplicate_window: float = 120.0) -> None:
    """Create the streams once. An existing stream is never reconfigured: it is the source of
    truth, and a silent rewrite (FastStream's declare=True does one) could weaken it."""
    await ensure_claims(nc)
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


class JetStreamEventStore(EventStore):
    def __init__(self, nc: Client, **kwargs: Any):
        super().__init__(**kwargs)
        self._nc = nc
        self._js = nc.jetstream(timeout=TIMEOUT)
        self._reader = DirectReader(nc)

    async def _read(self, stream: StreamId, after: History) -> list[Recorded] | None:
        return (await self._read_many([(stream, after)]))[0]

    async def _read_many(self, wanted: Sequence[tuple[StreamId, History]]
                         ) -> list[list[Recorded] | None]:
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
                     ) -> list[Recorded] | None:
        newest = lasts[-1] if lasts else None
        if after.events and (newest is None or newest.seq < after.last_seq or (
                newest.seq == after.last_seq and newest.envelope["hash"] != after.last_hash)):
            return None  # the log went backwards under the cached history
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

    async def prisons_of(self, aggregate_type: str, aggregate_id: str) -> set[str]:
        """One `multi_last` on `pulih.events.*.{type}.{id}.*`: answered from the server's
        subject index, one request whatever the log's size."""
        lasts = await self._reader.lasts([f"{EVENTS_PREFIX}.*.{aggregate_type}.{aggregate_id}"])
        return {prefix.split(".")[2] for prefix in lasts}

    async def _read_filter(self, subject_filter: str, from_seq: int) -> list[Recorded]:
        return await self._reader.read(subject_filter, from_seq)

    async def _publish(self, stream: StreamId, envelope: dict[str, Any], expected_last_seq: int,
                       command: str | None) -> tuple[int, bool]:
        headers = {
            "Nats-Msg-Id": envelope["event_id"],
            "Nats-Expected-Last-Subject-Sequence": str(expected_last_seq),
            "Nats-Expected-Last-Subject-Sequence-Subject": stream.filter,
        }
        if command:
            headers[COMMAND_HEADER] = command
        ack = await self._checked(stream.subject(envelope["type"]), orjson.dumps(envelope),
                                  headers)
        return ack.seq, bool(ack.duplicate)

    async def _claim(self, command_id: str, claim: Claim) -> Claim | None:
        """One publish that succeeds only on an unused id (expected last subject sequence 0);
        a used id costs one more direct get, to compare with what it names."""
        subject = f"{CLAIMS_PREFIX}.{command_id}"
        body = orjson.dumps({"aggregate": claim.aggregate, "command": claim.command})
        headers = {"Nats-Expected-Last-Subject-Sequence": "0"}
        try:
            await self._checked(subject, body, headers)
            return None
        except WrongLastSequence:
            pass
        except StoreUnavailable:
            if await self._created_claims():  # a log older than the command-id stream
                return await self._claim(command_id, claim)
            raise
        try:
            reply = await self._nc.request(f"$JS.API.DIRECT.GET.{CLAIMS_STREAM}",
                                           orjson.dumps({"last_by_subj": subject}), TIMEOUT)
        except nats.errors.Error as exc:
            raise StoreUnavailable(f"reading {subject}: {exc!r}") from exc
        if (reply.headers or {}).get("Status"):
            raise StoreUnavailable(f"reading {subject}: {reply.headers}")
        held = orjson.loads(reply.data)
        return Claim(held["aggregate"], held["command"])

    async def _created_claims(self) -> bool:
        try:
            await self._js.stream_info(CLAIMS_STREAM)
            return False
        except NotFoundError:
            await ensure_claims(self._nc)
            return True
        except nats.errors.Error:
            return False

    async def _checked(self, subject: str, body: bytes, headers: dict[str, str]) -> Any:
        try:
            # js.publish, not publish_async: the async variant never resolves on a server error.
            return await self._js.publish(subject, body, headers=headers)
        except BadRequestError as exc:
            if exc.err_code == WRONG_LAST_SEQUENCE:
                raise WrongLastSequence(subject) from exc
            raise
        except (nats.errors.TimeoutError, nats.errors.NoRespondersError,
                nats.errors.ConnectionClosedError) as exc:
            raise StoreUnavailable(f"appending to {subject}: {exc!r}") from exc
