"""`pulih events`: the log exactly as stored — export it as JSON Lines, follow it live
(`pulih events import`, the restore, is ops/restore.py; the command line ops/events_cli.py).

The export format (one JSON object per line, compact, as orjson writes it), version 2:
- line 1, the header: `{"pulih_export": {"format": 2, "stream", "filter", "from_seq",
  "stream_last_seq", "exported_at"}}`;
- one line per message, in stream order: `{"seq", "subject", "time", "msg_id", "headers",
  "envelope"}` — `time` the server's append timestamp (RFC 3339, ns), `headers` every stored
  header in order (`Nats-Msg-Id`, the `Nats-Expected-…` checks the append carried; null for
  none), `msg_id` the `Nats-Msg-Id` again, and the body as stored, parsed but never upcast or
  re-keyed. A body whose exact bytes orjson would not write back from the parsed object (not
  a JSON object, or not written by orjson) is `"raw"` (base64 of the bytes) instead of
  `"envelope"`: the export keeps every byte, so `pulih events import` can restore it;
- the last line, the trailer: `{"pulih_export_end": {"events", "last_seq", "sha256"}}`, with the
  SHA-256 of every line before it (newlines included), so a truncated file or an edited line
  is detected even where no hash chain covers it.
Format 1 (before `events import`) had message lines `{"seq", "subject", "msg_id", "envelope"}`
only: no append times, no headers besides the msg id. Both are read (verified, imported).
`pulih events tail` prints message lines of the same form.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import hashlib
import re
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, BinaryIO

import nats
import nats.errors
import orjson
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js.api import ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError

from shared.envelope import EVENTS_PREFIX, STREAM
from shared.schemas import SLUG_PATTERN

FORMAT = 2
HEADER, TRAILER = "pulih_export", "pulih_export_end"
MSG_ID = "Nats-Msg-Id"
READ_BATCH = 1000
TIMEOUT = 10.0


class LogError(Exception):
    """The log cannot be read (no stream, server unreachable): the tool exits 2."""


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


def subject_filter(prison: str | None = None, event_type: str | None = None) -> str:
    if prison is None and event_type is None:
        return f"{EVENTS_PREFIX}.>"
    return f"{EVENTS_PREFIX}.{prison or '*'}.*.*.{event_type or '*'}"


def message_line(message: LogMessage) -> dict[str, Any]:
    """The export's line for one message (format 2)."""
    headers = message.headers
    if headers is None and message.msg_id is not None:
        headers = {MSG_ID: message.msg_id}
    line: dict[str, Any] = {"seq": message.seq, "subject": message.subject,
                            "time": message.time, "msg_id": message.msg_id, "headers": headers}
    envelope = exact_object(message.body)
    if envelope is not None:
        line["envelope"] = envelope
    else:
        line["raw"] = base64.b64encode(message.body).decode()
    return line


def exact_object(body: bytes) -> dict[str, Any] | None:
    """The body parsed, when it is a JSON object that orjson writes back to exactly these bytes
    (every body Pulih appends); else None."""
    try:
        value = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    return value if isinstance(value, dict) and orjson.dumps(value) == body else None


def encode(line: dict[str, Any]) -> bytes:
    return orjson.dumps(line) + b"\n"


async def connect(url: str, name: str, within: float = 5.0) -> Client:
    """A client that reconnects for ever once connected; LogError if none within `within` s."""

    async def quiet(error: Exception) -> None:  # the outcome is reported once, below
        pass

    try:
        return await asyncio.wait_for(nats.connect(
            url, name=name, max_reconnect_attempts=-1, connect_timeout=2, error_cb=quiet),
            within)
    except (TimeoutError, OSError, nats.errors.Error) as exc:
        raise LogError(f"cannot reach NATS at {url}: {exc!r}") from None


async def stream_state(nc: Client) -> Any:
    """The stream's state (first_seq, last_seq, messages, num_deleted)."""
    try:
        return (await nc.jetstream(timeout=TIMEOUT).stream_info(STREAM)).state
    except NotFoundError:
        raise LogError(f"there is no event log: stream {STREAM} does not exist") from None
    except nats.errors.Error as exc:
        raise LogError(f"the event log cannot be read: {exc!r}") from exc


async def read_log(nc: Client, filter_: str = f"{EVENTS_PREFIX}.>", from_seq: int = 1,
                   until_seq: int | None = None) -> AsyncIterator[list[LogMessage]]:
    """The messages matching `filter_` from `from_seq` up to `until_seq` (default: up to the
    last one when the read catches up), in stream order, as stored, in batches.

    An ordered push consumer: the fastest reader nats-py has (a direct get carries six more
    headers per message, and nats-py parses headers in Python). A slow reader holds the
    consumer's callback, so flow control stops the server instead of memory growing."""
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

    try:
        sub = await nc.jetstream(timeout=TIMEOUT).subscribe(
            filter_, stream=STREAM, ordered_consumer=True, cb=receive,
            config=ConsumerConfig(deliver_policy=DeliverPolicy.BY_START_SEQUENCE,
                                  opt_start_seq=first))
    except nats.errors.Error as exc:
        raise LogError(f"reading the log: {exc!r}") from exc
    try:
        while True:
            try:
                batch = await asyncio.wait_for(batches.get(), TIMEOUT)
            except TimeoutError:
                raise LogError(f"reading the log: nothing received for {TIMEOUT} s") from None
            if batch is None:
                return
            if batch:
                yield batch
    finally:
        with contextlib.suppress(nats.errors.Error):
            await sub.unsubscribe()


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


class ExportWriter:
    """Writes the export format to a binary stream: header, message lines, trailer."""

    def __init__(self, out: BinaryIO, filter_: str, from_seq: int, stream_last_seq: int,
                 exported_at: datetime):
        self._out, self._digest = out, hashlib.sha256()
        self.count, self.last_seq = 0, 0
        self._write({HEADER: {"format": FORMAT, "stream": STREAM, "filter": filter_,
                              "from_seq": from_seq, "stream_last_seq": stream_last_seq,
                              "exported_at": exported_at.isoformat()}})

    def _write(self, line: dict[str, Any]) -> None:
        data = encode(line)
        self._digest.update(data)
        self._out.write(data)

    def write(self, messages: Iterable[LogMessage]) -> None:
        for message in messages:
            self._write(message_line(message))
            self.count, self.last_seq = self.count + 1, message.seq

    def close(self) -> None:
        self._out.write(encode({TRAILER: {"events": self.count, "last_seq": self.last_seq,
                                          "sha256": self._digest.hexdigest()}}))
        self._out.flush()


async def export(nc: Client, out: BinaryIO, from_seq: int = 1, prison: str | None = None,
                 now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> int:
    """Write the log, as it is when the export starts, to `out`; the number of messages."""
    state = await stream_state(nc)
    filter_ = subject_filter(prison)
    writer = ExportWriter(out, filter_, from_seq, state.last_seq, now())
    async for batch in read_log(nc, filter_, from_seq, state.last_seq):
        writer.write(batch)
    writer.close()
    return writer.count


def start_of(value: str | None) -> tuple[DeliverPolicy, dict[str, Any]]:
    """`--from`: a stream sequence, an RFC 3339 instant, or nothing (only new events)."""
    if value is None:
        return DeliverPolicy.NEW, {}
    if value.isdigit() and int(value) >= 1:
        return DeliverPolicy.BY_START_SEQUENCE, {"opt_start_seq": int(value)}
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        when = None
    if when is None or when.tzinfo is None:
        raise ValueError("--from must be a stream sequence (≥ 1) or an RFC 3339 instant with "
                         "offset, e.g. 2025-07-14T00:00:00+07:00")
    return DeliverPolicy.BY_START_TIME, {"opt_start_time": when.astimezone(UTC)}


async def tail(nc: Client, filter_: str, start: str | None, write: Callable[[bytes], Any],
               ready: asyncio.Event | None = None) -> None:
    """Follow the log (an ordered push consumer): one message line per event, until cancelled."""
    await stream_state(nc)
    policy, options = start_of(start)
    reader_gone = asyncio.Event()

    async def receive(msg: Msg) -> None:
        try:
            write(encode(message_line(LogMessage.received(msg))))
        except BrokenPipeError:  # `pulih events tail | head`: the reader has had enough
            reader_gone.set()

    sub = await nc.jetstream().subscribe(
        filter_, stream=STREAM, ordered_consumer=True, cb=receive,
        config=ConsumerConfig(deliver_policy=policy, **options))
    if ready is not None:
        ready.set()
    try:
        await reader_gone.wait()
    finally:
        with contextlib.suppress(nats.errors.Error):
            await sub.unsubscribe()


def slug(value: str) -> str:
    if not re.fullmatch(SLUG_PATTERN, value):
        raise argparse.ArgumentTypeError(f"not a prison id (slug {SLUG_PATTERN})")
    return value
