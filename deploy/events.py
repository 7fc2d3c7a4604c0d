"""`pulih events`: the log exactly as stored — export it as JSON Lines, follow it live.

The export format (one JSON object per line, compact, as orjson writes it):
- line 1, the header: `{"pulih_export": {"format": 1, "stream", "filter", "from_seq",
  "stream_last_seq", "exported_at"}}`;
- one line per message, in stream order: `{"seq", "subject", "msg_id", "envelope"}` — the body
  as stored, parsed but never upcast or re-keyed (`"raw"`, base64, instead of `"envelope"` for a
  body that is not a JSON object);
- the last line, the trailer: `{"pulih_export_end": {"events", "last_seq", "sha256"}}`, with the
  SHA-256 of every line before it (newlines included), so a truncated file or an edited line
  is detected even where no hash chain covers it.
`pulih events tail` prints message lines of the same form.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import hashlib
import os
import re
import sys
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
from shared.schemas import EVENT_AGGREGATES, SLUG_PATTERN

FORMAT = 1
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


def subject_filter(prison: str | None = None, event_type: str | None = None) -> str:
    if prison is None and event_type is None:
        return f"{EVENTS_PREFIX}.>"
    return f"{EVENTS_PREFIX}.{prison or '*'}.*.*.{event_type or '*'}"


def message_line(message: LogMessage) -> dict[str, Any]:
    """The export's line for one message."""
    line: dict[str, Any] = {"seq": message.seq, "subject": message.subject,
                            "msg_id": message.msg_id}
    try:
        envelope = orjson.loads(message.body)
    except orjson.JSONDecodeError:
        envelope = None
    if isinstance(envelope, dict):
        line["envelope"] = envelope
    else:
        line["raw"] = base64.b64encode(message.body).decode()
    return line


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
        meta = msg.metadata
        seq = meta.sequence.stream
        if until_seq is None or seq <= until_seq:
            buffer.append(LogMessage(seq, msg.subject, (msg.headers or {}).get(MSG_ID),
                                     msg.data))
        finished = meta.num_pending == 0 or (until_seq is not None and seq >= until_seq)
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
        headers = msg.headers or {}
        try:
            write(encode(message_line(LogMessage(msg.metadata.sequence.stream, msg.subject,
                                                 headers.get(MSG_ID), msg.data))))
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


# --- the command line -----------------------------------------------------------------------

def add_commands(sub: Any) -> None:
    events = sub.add_parser("events", help="export or follow the event log as stored")
    commands = events.add_subparsers(dest="events_command", required=True)
    exp = commands.add_parser("export", help="write the log as JSON Lines (stdout by default)")
    exp.add_argument("--out", metavar="FILE", help="write to FILE instead of stdout")
    exp.add_argument("--from", dest="from_seq", type=_seq, default=1, metavar="SEQ",
                     help="first stream sequence to export (default 1)")
    exp.add_argument("--prison", type=slug, help="only this prison's events")
    fol = commands.add_parser("tail", help="follow the log live, one JSON line per event")
    fol.add_argument("--prison", type=slug, help="only this prison's events")
    fol.add_argument("--type", dest="event_type", choices=sorted(EVENT_AGGREGATES),
                     metavar="TYPE", help="only events of this type, e.g. SessionHeld")
    fol.add_argument("--from", dest="start", type=_start, metavar="SEQ|TIME",
                     help="start at a stream sequence or an RFC 3339 instant (default: new "
                          "events only)")
    events.set_defaults(run=run)


def _start(value: str) -> str:
    try:
        start_of(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return value


def _seq(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError("not a stream sequence (an integer ≥ 1)")
    return int(value)


def slug(value: str) -> str:
    if not re.fullmatch(SLUG_PATTERN, value):
        raise argparse.ArgumentTypeError(f"not a prison id (slug {SLUG_PATTERN})")
    return value


def run(settings: Any, args: argparse.Namespace) -> int:
    from deploy import stack
    from shared.runtime import tune_gc

    tune_gc()  # a read of the whole log allocates millions of short-lived objects
    with stack.servers(settings, need_database=False) as (nats_url, _):
        try:
            return asyncio.run(_run(nats_url, args))
        except LogError as exc:
            sys.stderr.write(f"pulih events: {exc}\n")
            return 2
        except KeyboardInterrupt:
            return 0
        except BrokenPipeError:
            return quiet_stdout()


def quiet_stdout() -> int:
    """After the reader of our stdout went away: no second error when Python flushes it."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    return 0


async def _run(nats_url: str, args: argparse.Namespace) -> int:
    nc = await connect(nats_url, "pulih-events")
    try:
        if args.events_command == "tail":
            def write(data: bytes) -> None:
                sys.stdout.buffer.write(data)
                sys.stdout.buffer.flush()

            await tail(nc, subject_filter(args.prison, args.event_type), args.start, write)
            return 0
        if args.out:
            with open(args.out, "wb") as out:
                count = await export(nc, out, args.from_seq, args.prison)
            sys.stderr.write(f"pulih events export: {count} events to {args.out}\n")
        else:
            await export(nc, sys.stdout.buffer, args.from_seq, args.prison)
        return 0
    finally:
        await nc.close()
