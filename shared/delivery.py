"""One message of the log as a reader receives it: decoded and upcast, or why it cannot be."""

from __future__ import annotations

from dataclasses import dataclass

import orjson
from nats.aio.msg import Msg

from shared.upcasting import UpcastError, upcast


@dataclass(frozen=True, slots=True)
class Delivery:
    """One message of the log as the runner received it: decoded, or why it cannot be."""

    seq: int
    subject: str
    data: bytes
    envelope: dict | None
    error: str = ""  # why it is parked for every projection


def decode(msg: Msg) -> Delivery:
    seq = stream_seq(msg.reply)
    try:
        envelope = orjson.loads(msg.data)
    except orjson.JSONDecodeError as exc:
        return Delivery(seq, msg.subject, msg.data, None, f"malformed body: {exc}")
    if not isinstance(envelope, dict):
        return Delivery(seq, msg.subject, msg.data, None, "malformed body: not a JSON object")
    try:
        # Projections meet current schema versions only; `data` (raw bytes) stays as stored.
        envelope = upcast(envelope)
    except UpcastError as exc:
        return Delivery(seq, msg.subject, msg.data, None, str(exc))
    return Delivery(seq, msg.subject, msg.data, envelope)


def stream_seq(reply: str) -> int:
    """The stream sequence from a JetStream delivery's reply subject, without the general
    metadata parse (hot path): `$JS.ACK.<stream>.<consumer>.<delivered>.<sseq>.…` (9 tokens),
    or with domain and account hash `$JS.ACK.<domain>.<hash>.<stream>.…` (12 tokens)."""
    parts = reply.split(".")
    return int(parts[5] if len(parts) == 9 else parts[7])
