"""The event log exactly as stored, for whatever reads it whole: subject filters, a range read,
a live follow. Bodies are never parsed, upcast or re-keyed here: the operator tools (export,
verification, history, tail) need the stored bytes, which the hashes cover.

Ordered push consumers throughout (shared/consumers.py): the fastest reader nats-py has (a
direct get carries six more headers per message, and nats-py parses headers in Python). A slow
reader holds the consumer's callback, so flow control stops the server instead of memory
growing.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import nats
import nats.errors
import orjson
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js.api import ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError

# subject_filter and WHOLE_LOG are the envelope's (the store port builds filters too).
from shared import consumers
from shared.envelope import EVENTS_PREFIX, STREAM, WHOLE_LOG, subject_filter  # noqa: F401

MSG_ID = "Nats-Msg-Id"
READ_BATCH = 1000
TIMEOUT = 10.0


class LogError(Exception):
    """The log cannot be read (no stream, server unreachable)."""


@dataclass(frozen=True, slots=True)
class LogMessage:
    """One message of the stream, as stored."""

    seq: int
    subject: str
    msg_id: str | None
    body: bytes
    headers: dict[str, str] | None = None  # every stored header; None: only msg_id is known
    time: str | None = None  # the server's append timestamp, RFC 3339 UTC with nanoseconds

    @classmethod
    def received(cls, msg: Msg) -> LogMessage:
        """A message as a JetStream consumer delivers it: the stored headers, the stream
        sequence and append time from the reply subject (`$JS.ACK.<stream>.<consumer>.
        <delivered>.<sseq>.<cseq>.<ns>.<pending>`, or with domain and account hash)."""
        parts = msg.reply.split(".")
        seq, nanos = (parts[5], parts[7]) if len(parts) == 9 else (parts[7], parts[9])
        headers = dict(msg.headers) if msg.headers is not None else None
        return cls(int(seq), msg.subject, (headers or {}).get(MSG_ID), msg.data, headers,
                   rfc3339_ns(int(nanos)))


def rfc3339_ns(nanos: int) -> str:
    seconds, fraction = divmod(nanos, 1_000_000_000)
    return f"{datetime.fromtimestamp(seconds, UTC):%Y-%m-%dT%H:%M:%S}.{fraction:09d}Z"


async def connect(url: str, name: str, within: float = 5.0, **options: Any) -> Client:
    """A client that reconnects for ever once connected; LogError if none within `within` s.
    `options`: more `nats.connect` arguments (an identity's, `shared.credentials`)."""

    async def quiet(error: Exception) -> None:  # the outcome is reported once, below
        pass

    try:
        return await asyncio.wait_for(nats.connect(
            url, name=name, max_reconnect_attempts=-1, connect_timeout=2, error_cb=quiet,
            **options),
            within)
    except (TimeoutError, OSError, nats.errors.Error) as exc:
        raise LogError(f"cannot reach NATS at {url}: {exc!r}") from None


async def find_stream_state(nc: Client) -> Any | None:
    """The stream's state (first_seq, last_seq, messages, num_deleted); None when there is no
    stream."""
    try:
        return (await nc.jetstream(timeout=TIMEOUT).stream_info(STREAM)).state
    except NotFoundError:
        return None
    except nats.errors.Error as exc:
        raise LogError(f"the event log cannot be read: {exc!r}") from exc


async def stream_state(nc: Client) -> Any:
    """The stream's state; LogError when there is no stream."""
    state = await find_stream_state(nc)
    if state is None:
        raise LogError(f"there is no event log: stream {STREAM} does not exist")
    return state


@contextlib.asynccontextmanager
async def following(nc: Client, filter_: str, config: ConsumerConfig,
                    on_message: Callable[[Msg], Awaitable[None]]) -> AsyncIterator[None]:
    """Every message matching `filter_`, from where `config` says, handed to `on_message` in
    stream order while the block runs (an ordered consumer named from reporting's pool)."""
    try:
        sub = await consumers.subscribe(nc, filter_, on_message, config)
    except nats.errors.Error as exc:
        raise LogError(f"reading the log: {exc!r}") from exc
    try:
        yield
    finally:
        await consumers.close(nc, sub)


async def read_log(nc: Client, filter_: str = WHOLE_LOG, from_seq: int = 1,
                   until_seq: int | None = None) -> AsyncIterator[list[LogMessage]]:
    """The messages matching `filter_` from `from_seq` up to `until_seq` (default: up to the
    last one when the read catches up), in stream order, as stored, in batches."""
    first = await _first_seq(nc, filter_, from_seq)
    if first is None or (until_seq is not None and first > until_seq):
        return
    batches: asyncio.Queue[list[LogMessage] | None] = asyncio.Queue(maxsize=8)
    buffer: list[LogMessage] = []
    finished = False

    async def receive(msg: Msg) -> None:
        nonlocal buffer, finished
        if finished:
            return
        message = LogMessage.received(msg)
        seq = message.seq
        if until_seq is None or seq <= until_seq:
            buffer.append(message)
        finished = msg.metadata.num_pending == 0 or (until_seq is not None and seq >= until_seq)
        if finished or len(buffer) >= READ_BATCH:
            batch, buffer = buffer, []
            await batches.put(batch)
            if finished:
                await batches.put(None)

    start = ConsumerConfig(deliver_policy=DeliverPolicy.BY_START_SEQUENCE, opt_start_seq=first)
    async with following(nc, filter_, start, receive):
        while True:
            try:  # asyncio.timeout, not wait_for: see shared/runner.py `until_set`
                async with asyncio.timeout(TIMEOUT):
                    batch = await batches.get()
            except TimeoutError:
                raise LogError(f"reading the log: nothing received for {TIMEOUT} s") from None
            if batch is None:
                return
            if batch:
                yield batch


async def _first_seq(nc: Client, filter_: str, from_seq: int) -> int | None:
    """The sequence of the first message matching `filter_` at or after `from_seq` (a direct
    get), or None when there is none."""
    request = orjson.dumps({"seq": from_seq, "next_by_subj": filter_})
    try:
        reply = await nc.request(f"$JS.API.DIRECT.GET.{STREAM}", request, timeout=TIMEOUT)
    except nats.errors.Error as exc:
        raise LogError(f"reading the log at seq {from_seq}: {exc!r}") from exc
    headers = reply.headers or {}
    if headers.get("Status") == "404":
        return None
    if headers.get("Status"):
        raise LogError(f"direct get answered {headers['Status']} "
                       f"{headers.get('Description', '')}")
    return int(headers["Nats-Sequence"])
