"""Appending what an old writer wrote: an event at an old schema_version, sealed and chained
like any event, published straight to JetStream (the services only write current versions)."""

import uuid

import orjson

from shared.envelope import CommandMeta, NewEvent, StreamId, seal
from shared.jetstream import JetStreamEventStore


async def publish_old(nc, stream: StreamId, event_type: str, data: dict, day: str,
                      version: int = 1) -> int:
    """Append `data` as `event_type` v`version`, dated `day`; returns its stream sequence."""
    history = await JetStreamEventStore(nc).load(stream)
    command = str(uuid.uuid4())
    envelope = seal(stream, NewEvent(event_type, data, f"{day}T00:00:00+07:00", version),
                    CommandMeta(command, "officer:x:rina", command), index=0,
                    version=history.version + 1, prev_hash=history.last_hash,
                    recorded_at="2025-06-30T01:00:00.000000+00:00")
    ack = await nc.jetstream().publish(
        stream.subject(event_type), orjson.dumps(envelope),
        headers={"Nats-Msg-Id": envelope["event_id"],
                 "Nats-Expected-Last-Subject-Sequence": str(history.last_seq),
                 "Nats-Expected-Last-Subject-Sequence-Subject": stream.filter})
    return ack.seq
