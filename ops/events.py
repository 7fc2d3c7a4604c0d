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
import hashlib
import re
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any, BinaryIO

import orjson
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js.api import ConsumerConfig, DeliverPolicy

from shared.envelope import STREAM
from shared.eventlog import (
    MSG_ID,
    LogMessage,
    following,
    read_log,
    stream_state,
    subject_filter,
)
from shared.fields import SLUG_PATTERN
from shared.progress import progress

FORMAT = 2
HEADER, TRAILER = "pulih_export", "pulih_export_end"


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
    with progress("pulih events export", state.last_seq) as shown:  # on stderr
        async for batch in read_log(nc, filter_, from_seq, state.last_seq):
            writer.write(batch)
            shown.to(batch[-1].seq)
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
    """Follow the log: one message line per event, until cancelled."""
    await stream_state(nc)
    policy, options = start_of(start)
    reader_gone = asyncio.Event()

    async def receive(msg: Msg) -> None:
        try:
            write(encode(message_line(LogMessage.received(msg))))
        except BrokenPipeError:  # `pulih events tail | head`: the reader has had enough
            reader_gone.set()

    async with following(nc, filter_, ConsumerConfig(deliver_policy=policy, **options), receive):
        if ready is not None:
            ready.set()
        await reader_gone.wait()


def slug(value: str) -> str:
    if not re.fullmatch(SLUG_PATTERN, value):
        raise argparse.ArgumentTypeError(f"not a prison id (slug {SLUG_PATTERN})")
    return value
