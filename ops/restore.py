"""`pulih events import FILE`: restore the log from an export, byte for byte.

Only into an empty `PULIH_EVENTS` (created with the contract's configuration when absent), only
a whole export (`pulih events export` without `--from` or `--prison`) and only one that `pulih
audit verify --file` passes: its seal (header, every line in its exact form, the trailer's count
and SHA-256) and every event's hash and chain. Anything else is refused before a byte is
written. Then every message is published in the export's order with exactly its subject,
headers and body, and each acknowledgement must name the export's own stream sequence: a full
export restores the log with identical sequences (the append timestamps are the import's: the
server sets them; the export keeps the original ones in its lines).

The file is read twice (verified, then published), never held in memory. Published headers
include the original `Nats-Expected-Last-Subject-Sequence` checks, which the server checks again
on the way in: one more proof the order is the original one.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nats.errors
import orjson
from nats.aio.client import Client
from nats.aio.msg import Msg

from ops.checks import Broken, Summary
from ops.events import HEADER, TRAILER
from ops.verify import verify_file
from shared.envelope import STREAM
from shared.eventlog import MSG_ID, TIMEOUT, WHOLE_LOG, find_stream_state
from shared.jetstream import ensure_stream
from shared.progress import progress

WINDOW = 256  # publishes in flight; the server syncs each write, so more only queue there


class Refused(Exception):
    """The import was refused before anything was written: the tool exits 1."""


class ImportFailed(Exception):
    """The import stopped part-way (the server refused a message, or its sequence is not the
    export's): the stream holds what was written before; the tool exits 1."""


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One message to publish, exactly as it was stored."""

    seq: int
    subject: str
    headers: dict[str, str] | None
    body: bytes


def check_file(path: Path) -> Summary:
    """The whole export verified and complete, or Refused naming why."""
    try:
        summary = verify_file(path)
    except Broken as broken:
        raise Refused(f"the export does not verify, nothing was imported:\n{broken.report()}"
                      ) from None
    with path.open("rb") as lines:
        header = orjson.loads(lines.readline())[HEADER]
    if header["filter"] != WHOLE_LOG or header["from_seq"] != 1:
        raise Refused(f"a partial export (filter {header['filter']}, from seq "
                      f"{header['from_seq']}) cannot restore the log: sequences, hash chains "
                      "and other prisons' events would be missing. Import a whole export "
                      "(`pulih events export` without --from and --prison).")
    if header.get("stream", STREAM) != STREAM:
        raise Refused(f"the export is of stream {header['stream']}, not {STREAM}")
    return summary


def outgoing(path: Path) -> Iterator[Outgoing]:
    """The export's messages (already verified) as they were stored."""
    with path.open("rb") as lines:
        fmt = orjson.loads(lines.readline())[HEADER]["format"]
        for raw in lines:
            line = orjson.loads(raw)
            if TRAILER in line:
                return
            yield Outgoing(line["seq"], line["subject"], _headers(line, fmt), _body(line))


def _headers(line: dict[str, Any], fmt: int) -> dict[str, str] | None:
    if fmt >= 2:
        return line["headers"]
    # Format 1 kept only the msg id: the appends' other headers cannot be restored from it.
    return {MSG_ID: line["msg_id"]} if line["msg_id"] is not None else None


def _body(line: dict[str, Any]) -> bytes:
    if "envelope" in line:
        return orjson.dumps(line["envelope"])  # the line's exact form: the stored bytes
    return base64.b64decode(line["raw"], validate=True)


async def require_empty(nc: Client) -> bool:
    """Refused unless the stream is absent or has never held a message; True if it exists."""
    state = await find_stream_state(nc)
    if state is None:
        return False
    if state.messages or state.last_seq:
        raise Refused(f"stream {STREAM} is not empty ({state.messages} messages, last sequence "
                      f"{state.last_seq}): an import only restores into an empty log, "
                      "nothing was imported")
    return True


async def restore(nc: Client, path: Path, checked: Summary | None = None) -> Summary:
    """Verify `path` (unless `checked` already, by `check_file`), check the stream is empty
    (create it if absent), publish every message; the export's summary."""
    summary = checked or check_file(path)
    if not await require_empty(nc):
        await ensure_stream(nc)
    with progress("pulih events import", summary.last_seq) as shown:
        await publish_in_order(nc, shown.through(outgoing(path), lambda m: m.seq))
    return summary


async def publish_in_order(nc: Client, messages: Iterator[Outgoing], window: int = WINDOW
                           ) -> None:
    """Publish from one coroutine (so in order) with up to `window` acks outstanding; every ack
    must be a new message at the export's sequence."""
    inbox, gate = nc.new_inbox(), asyncio.Semaphore(window)
    outstanding: set[int] = set()
    failures: list[str] = []
    drained = asyncio.Event()

    async def on_ack(msg: Msg) -> None:
        seq = int(msg.subject.rpartition(".")[2])
        problem = _ack_problem(seq, msg.data)
        if problem:
            failures.append(problem)
        outstanding.discard(seq)
        gate.release()
        if not outstanding:
            drained.set()

    sub = await nc.subscribe(f"{inbox}.*", cb=on_ack)
    try:
        for message in messages:
            await asyncio.wait_for(gate.acquire(), TIMEOUT)
            if failures:
                break
            outstanding.add(message.seq)
            drained.clear()
            await nc.publish(message.subject, message.body, reply=f"{inbox}.{message.seq}",
                             headers=message.headers)
        if outstanding:
            await asyncio.wait_for(drained.wait(), TIMEOUT)
    except TimeoutError:
        failures.append(f"no acknowledgement within {TIMEOUT} s for sequence(s) "
                        f"{sorted(outstanding)[:5]}")
    except nats.errors.Error as exc:
        failures.append(f"publishing: {exc!r}")
    finally:
        with contextlib.suppress(nats.errors.Error):
            await sub.unsubscribe()
    if failures:
        raise ImportFailed(f"the import stopped: {failures[0]}. The stream holds what was "
                           "written before; delete it (`nats stream rm PULIH_EVENTS`) and "
                           "import again into an empty log.")


def _ack_problem(seq: int, data: bytes) -> str:
    try:
        ack = orjson.loads(data)
    except orjson.JSONDecodeError:
        return f"sequence {seq}: unreadable acknowledgement {data[:200]!r}"
    if not isinstance(ack, dict) or "error" in ack:
        error = ack.get("error") if isinstance(ack, dict) else ack
        return f"the server refused the message of sequence {seq}: {error}"
    if ack.get("duplicate"):
        return f"sequence {seq}: the server took it for a duplicate of an earlier message"
    if (ack.get("stream"), ack.get("seq")) != (STREAM, seq):
        return (f"the message of sequence {seq} was stored as {ack.get('stream')} sequence "
                f"{ack.get('seq')}: something else writes to the log during the import")
    return ""
