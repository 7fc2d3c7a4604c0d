"""The point a replay `--until` names: a stream sequence, or an RFC 3339 instant resolved to
the last sequence appended by then, with the time the replay is dated at."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from nats.aio.client import Client

from shared.envelope import EVENTS_PREFIX, STREAM
from shared.logbase import direct_get


async def stream_end(nc: Client) -> int:
    return (await nc.jetstream().stream_info(STREAM)).state.last_seq


async def resolve_until(nc: Client, until: str) -> tuple[int, datetime]:
    """A sequence, or the last sequence appended at or before an RFC 3339 instant (not in the
    future: later events may still come); with the point the replay is dated at: the stream's
    own append time of that sequence, or the instant asked for."""
    end = await stream_end(nc)
    moment = None
    if until.isdigit():
        seq = min(int(until), end)
    else:
        moment = datetime.fromisoformat(until)
        if moment.tzinfo is None:
            raise ValueError("--until needs an offset, e.g. 2025-12-31T23:59:59+07:00")
        if moment > datetime.now(UTC):
            raise ValueError(f"--until {until} is in the future")
        first = await _direct_get(nc, {"start_time": moment.isoformat(),
                                       "next_by_subj": f"{EVENTS_PREFIX}.>"})
        seq = end if first is None else first[0] - (1 if first[1] > moment else 0)
    found = await _direct_get(nc, {"seq": seq}) if seq >= 1 else None
    if found is None:
        raise ValueError(f"nothing was in the log at {until}")
    return found[0], moment or found[1]


async def _direct_get(nc: Client, request: dict) -> tuple[int, datetime] | None:
    reply = await direct_get(nc, request)
    if reply is None:
        return None
    return int(reply.headers["Nats-Sequence"]), parse_stamp(reply.headers["Nats-Time-Stamp"])


def parse_stamp(raw: str) -> datetime:
    """JetStream's nanosecond UTC stamp, to the microsecond."""
    match = re.fullmatch(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?Z", raw)
    if match is None:
        raise ValueError(f"unexpected stream timestamp {raw!r}")
    return datetime.fromisoformat(match[1] + (match[2] or ".0")[:7] + "+00:00")
