"""Reading the log with a push consumer: one message as the runner receives it (decoded and
upcast, or why it cannot be), its stream sequence, and flow control that holds the server back
while the runner is busy."""

from __future__ import annotations

from dataclasses import dataclass

import orjson
import structlog
from nats.aio.msg import Msg

from shared.contract.events import upcast
from shared.contract.upcasting import UpcastError

log = structlog.get_logger(__name__)


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


def flow_control_when_taken(psub) -> None:
    """Make the server's flow control hold the log back while the runner is busy.

    nats-py (2.16) answers a push consumer's flow-control request as soon as the messages before
    it have *arrived* when the subscription has a callback (it counts arrivals as deliveries), so
    the server never slows down and a busy runner ends in slow-consumer drops (which the runner
    detects as a sequence gap, at the cost of a resume). Counting the messages the callback has
    not taken yet as undelivered lets the client's own periodic check answer once they are taken.
    Private attributes: if they change, the drops (and resumes) come back, nothing worse."""
    sub = getattr(psub, "_sub", None)
    jsi, queue = getattr(sub, "_jsi", None), getattr(sub, "_pending_queue", None)
    if jsi is None or queue is None or not hasattr(jsi, "_fciseq"):
        log.warning("flow_control_unpatched", reason="nats-py internals differ")
        return
    jsi.get_js_delivered = lambda: jsi._fciseq - queue.qsize()
