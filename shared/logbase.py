"""Is the log still the one a read-model was built from?

The checkpoint keeps, next to the last applied stream sequence, the SHA-256 of that message's
body. Before a batch is applied on top of it, and every few seconds while idle, the runner asks
the log for the message at that sequence: missing (the log went backwards: a restored or
recreated stream, a lost unsynced tail) or different (the stream was replaced, perhaps with
more events) means the read-model no longer describes this log, and nothing may be applied on
it until `pulih replay` rebuilds it from the log as it is.
"""

from __future__ import annotations

import orjson
from nats.aio.client import Client
from nats.aio.msg import Msg

from shared.batches import ConsumerStalled, LogDiverged, body_hash
from shared.envelope import STREAM


async def direct_get(nc: Client, request: dict) -> Msg | None:
    """One message of the stream by a direct get (`{"seq": n}`, `{"start_time": …}`, …);
    None when there is none."""
    reply = await nc.request(f"$JS.API.DIRECT.GET.{STREAM}", orjson.dumps(request), timeout=5)
    return None if (reply.headers or {}).get("Status") else reply


async def verify_base(nc: Client, runner: str, seq: int, expected: bytes | None) -> None:
    """Raise LogDiverged unless the log's message at `seq` is the one applied there (its body
    hashes to `expected`; None: unknown, from a checkpoint written before hashes were kept)."""
    if seq == 0:
        return
    found = await direct_get(nc, {"seq": seq})
    if found is None:
        raise LogDiverged(
            f"read-model {runner} applied the log up to {seq}, but the log has no event {seq}: "
            "it went backwards (restored, recreated, or lost its tail). Nothing is applied "
            "until `pulih replay` rebuilds the read-model from the log as it is now")
    if expected is not None and body_hash(found.data) != expected:
        raise LogDiverged(
            f"event {seq} in the log is not the one read-model {runner} applied there: the "
            "log was replaced. Nothing is applied until `pulih replay` rebuilds the "
            "read-model from the log as it is now")


async def check_at_end(nc: Client, runner: str, last_seq: int, last_hash: bytes | None,
                       stop_at: int | None) -> None:
    """Nothing arrived for a while: fine if the log ends at `last_seq` (and still holds what
    was applied there). If it has more, a delivery was lost (a slow-consumer drop of the very
    last messages leaves no later message to reveal the gap): ConsumerStalled, follow again."""
    await verify_base(nc, runner, last_seq, last_hash)
    last = (await nc.jetstream().stream_info(STREAM)).state.last_seq
    if last > last_seq and (stop_at is None or stop_at > last_seq):
        raise ConsumerStalled(f"log at {last}, applied {last_seq}, nothing arriving")


async def start_base(nc: Client, runner: str, last_seq: int, last_hash: bytes | None
                     ) -> int | None:
    """Before following from `last_seq`: verify it; from an empty checkpoint, the sequence
    the first delivery must carry (the stream's first: 1 unless created with limits)."""
    await verify_base(nc, runner, last_seq, last_hash)
    if last_seq:
        return None
    return max(1, (await nc.jetstream().stream_info(STREAM)).state.first_seq)
