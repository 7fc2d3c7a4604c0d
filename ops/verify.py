"""`pulih audit verify`: the live log or an export file, walked in order through the checks
of ops/checks.py."""

from __future__ import annotations

import base64
import hashlib
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import orjson
from nats.aio.client import Client

from ops.checks import Broken, Entry, Summary, Verifier
from ops.events import FORMAT, HEADER, TRAILER
from shared.envelope import STREAM
from shared.eventlog import (
    MSG_ID,
    WHOLE_LOG,
    LogMessage,
    read_log,
    stream_state,
    subject_filter,
)
from shared.identities import Identities
from shared.progress import progress

MESSAGE_KEYS = {1: ("seq", "subject", "msg_id"),  # format → a message line's keys (+ body)
                2: ("seq", "subject", "time", "msg_id", "headers")}
FORMATS = frozenset(MESSAGE_KEYS)


def entry(message: LogMessage) -> Entry:
    try:
        body = orjson.loads(message.body)
    except orjson.JSONDecodeError:
        body = None
    return Entry(message.seq, message.subject, message.msg_id,
                 body if isinstance(body, dict) else None)


async def verify_live(nc: Client, prison: str | None = None,
                      identities: Identities | None = None) -> Summary:
    """The log as it is when the walk starts: every message up to the stream's last sequence."""
    started, state = time.perf_counter(), await stream_state(nc)
    verifier = Verifier(contiguous=prison is None, identities=identities)
    if prison is None and state.messages and state.first_seq != 1:
        raise Broken("sequence", f"the stream starts at seq {state.first_seq}: messages before "
                     "it are gone", expected=1, found=state.first_seq)
    with progress("pulih audit verify", state.last_seq) as shown:
        async for batch in read_log(nc, subject_filter(prison), 1, state.last_seq):
            for message in batch:
                verifier.check(entry(message))
            shown.to(batch[-1].seq)
    if prison is None and verifier.last != state.last_seq:
        raise Broken("sequence", "the walk ended before the stream's last sequence",
                     expected=state.last_seq, found=verifier.last)
    scope = f"prison {prison} in {STREAM}" if prison else f"the whole log ({STREAM})"
    return verifier.summary(scope, started)


def verify_file(path: Path, identities: Identities | None = None) -> Summary:
    """An export file of `pulih events export`."""
    with path.open("rb") as lines, progress(f"pulih audit verify {path.name}",
                                            path.stat().st_size, "B") as shown:
        return verify_lines(shown.through(lines), str(path), identities)


def verify_lines(lines: Iterable[bytes], name: str = "export",
                 identities: Identities | None = None) -> Summary:
    """An export's lines: the header, every message, then the trailer's count and digest."""
    started, digest = time.perf_counter(), hashlib.sha256()
    numbered = enumerate(lines, 1)
    n, raw = next(numbered, (1, b""))
    header = _line(raw, n).get(HEADER)
    if not (isinstance(header, dict) and header.get("format") in FORMATS
            and isinstance(header.get("filter"), str) and _seq(header.get("from_seq"), 1)
            and _seq(header.get("stream_last_seq"), 0)):
        raise Broken("header", "the file does not start with a pulih export header",
                     where="line 1")
    digest.update(raw)
    filter_, from_seq = header["filter"], header["from_seq"]
    verifier = Verifier(contiguous=filter_ == WHOLE_LOG, first_seq=from_seq,
                        partial=from_seq != 1, identities=identities)
    end = None
    for n, raw in numbered:
        line = _line(raw, n)
        if end is not None:
            raise Broken("trailer", "lines after the export's trailer", where=f"line {n}")
        if TRAILER in line:
            end = line[TRAILER]
            continue
        digest.update(raw)
        verifier.check(_file_entry(line, n, header["format"]))
    if not isinstance(end, dict):
        raise Broken("trailer", "the file ends without the export's trailer: it is truncated",
                     where=f"line {n + 1}")
    found = {"events": verifier.count, "last_seq": verifier.last, "sha256": digest.hexdigest()}
    for key, value in found.items():
        if end.get(key) != value:
            raise Broken("trailer", f"the trailer's {key} does not match the lines before it "
                         "(lines removed or changed)", where=f"line {n}",
                         expected=end.get(key), found=value)
    if verifier.contiguous and verifier.count and verifier.last != header["stream_last_seq"]:
        raise Broken("sequence", "the export ends before the log's last sequence at export "
                     "time", where=f"line {n}", expected=header["stream_last_seq"],
                     found=verifier.last)
    return verifier.summary(f"{name} ({filter_} from seq {from_seq})", started)


def _seq(value: Any, least: int) -> bool:
    return type(value) is int and value >= least


def _line(raw: bytes, n: int) -> dict[str, Any]:
    where = f"line {n}"
    if not raw.endswith(b"\n"):
        raise Broken("line", "the line is not terminated: the file is truncated", where=where)
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise Broken("line", f"not valid JSON ({exc})", where=where) from None
    if not isinstance(value, dict):
        raise Broken("line", "not a JSON object", where=where)
    if orjson.dumps(value) + b"\n" != raw:
        raise Broken("line", "the line is not in the export's exact form: bytes were changed",
                     where=where)
    return value


def _file_entry(line: dict[str, Any], n: int, fmt: int = FORMAT) -> Entry:
    keys, where = line.keys() - {"envelope", "raw"}, f"line {n}"
    seq, subject, msg_id = line.get("seq"), line.get("subject"), line.get("msg_id")
    if (keys != set(MESSAGE_KEYS[fmt]) or len(line) != len(keys) + 1 or type(seq) is not int
            or not isinstance(subject, str) or not isinstance(msg_id, str | None)
            or not isinstance(line.get("time"), str | None)):
        raise Broken("line", f"not an export message line {{{', '.join(MESSAGE_KEYS[fmt])}, "
                     "envelope}", where=where)
    headers = line.get("headers")
    if fmt >= 2 and not (headers is None and msg_id is None or isinstance(headers, dict) and all(
            isinstance(v, str) for v in headers.values()) and headers.get(MSG_ID) == msg_id):
        raise Broken("line", "the line's headers are not a name → text map holding its msg_id",
                     where=where)
    envelope = line.get("envelope")
    if "raw" in line:  # bytes kept as stored: an envelope Pulih did not write is checked too
        envelope = _raw_object(line["raw"], where)
    return Entry(seq, subject, msg_id, envelope if isinstance(envelope, dict) else None, where)


def _raw_object(raw: Any, where: str) -> Any:
    try:
        return orjson.loads(base64.b64decode(raw, validate=True))
    except (TypeError, ValueError):  # binascii.Error and orjson's error are ValueErrors
        if not isinstance(raw, str):
            raise Broken("line", "`raw` is not base64 text", where=where) from None
        return None
