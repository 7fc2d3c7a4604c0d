"""Ordered push consumers that carry a name of reporting's own, so the reporting identity needs
no stream-wide consumer-create permission (ops/natsconf.py).

nats-py's ordered consumers name no consumer, so they are created on the stream-wide
`$JS.API.CONSUMER.CREATE.{stream}`; that subject also accepts a body naming an existing
consumer, i.e. updating a subscriber's. Here every consumer is named from a fixed pool,
`reporting-0` … `reporting-{SLOTS-1}`, and created on `$JS.API.CONSUMER.CREATE.{stream}.{name}`
with action `create` (the server refuses a name in use: the next slot is tried), so a
permission can list exactly those subjects (NATS wildcards match whole tokens only: a
`reporting-*` token would be literal). The consumers are ephemeral (reaped `INACTIVE_S` after
their reader is gone) and deleted at once when closed.

The ordered semantics are nats-py's own (the subscription, gap and heartbeat detection, flow
control): only its re-creation after a gap is replaced, to delete the old consumer and claim a
slot again (nats-py would re-create under the same name, which the server refuses as a change
of start sequence).
"""

from __future__ import annotations

import contextlib
import random
from collections.abc import Awaitable, Callable

import nats.errors
import orjson
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import api
from nats.js.errors import APIError

from shared.envelope import STREAM

PREFIX = "reporting-"
SLOTS = 32  # consumers one deployment's reporting identity may hold at once (every process)
INACTIVE_S = 5.0  # an abandoned consumer (its reader gone) is reaped after this
HEARTBEAT_S = 5.0  # nats-py's default for ordered consumers: two missed → re-created
TIMEOUT = 10.0
TAKEN = {10148, 10013}  # "consumer already exists", "consumer name already in use"
API = "$JS.API.CONSUMER"


def slot_names() -> list[str]:
    return [f"{PREFIX}{n}" for n in range(SLOTS)]


def ordered_config(filter_: str, config: api.ConsumerConfig | None = None) -> api.ConsumerConfig:
    """An ordered consumer's configuration (as nats-py makes it) on `filter_`, from where
    `config` says (its deliver policy and start)."""
    config = config or api.ConsumerConfig()
    return api.ConsumerConfig(
        deliver_policy=config.deliver_policy, opt_start_seq=config.opt_start_seq,
        opt_start_time=config.opt_start_time, filter_subject=filter_, flow_control=True,
        ack_policy=api.AckPolicy.NONE, max_deliver=1, ack_wait=22 * 3600,
        idle_heartbeat=HEARTBEAT_S, num_replicas=1, mem_storage=True,
        inactive_threshold=INACTIVE_S)


async def claim(nc: Client, config: api.ConsumerConfig, stream: str = STREAM) -> str:
    """Create the consumer `config` describes (its deliver subject set) under the first free
    name of the pool, from a random slot on; its name. APIError when every slot is taken."""
    start = random.randrange(SLOTS)
    names = slot_names()
    for name in names[start:] + names[:start]:
        config.name = name
        request = {"stream_name": stream, "config": config.as_dict(), "action": "create"}
        reply = await nc.request(f"{API}.CREATE.{stream}.{name}", orjson.dumps(request),
                                 timeout=TIMEOUT)
        answer = orjson.loads(reply.data)
        error = answer.get("error")
        if error is None:
            return answer["name"]
        if error.get("err_code") not in TAKEN:
            APIError.from_error(error)  # raises
    raise APIError(description=f"all {SLOTS} {PREFIX}* consumers of {stream} are in use",
                   stream=stream)


async def release(nc: Client, name: str | None, stream: str = STREAM,
                  timeout: float = TIMEOUT) -> None:
    """Delete consumer `name` (best effort: else it is reaped after INACTIVE_S)."""
    if name:
        with contextlib.suppress(nats.errors.Error):
            await nc.request(f"{API}.DELETE.{stream}.{name}", b"", timeout=timeout)


async def subscribe(nc: Client, filter_: str, cb: Callable[[Msg], Awaitable[None]],
                    config: api.ConsumerConfig | None = None, stream: str = STREAM,
                    **limits: int):
    """An ordered push subscription to `stream` on `filter_` through a consumer of the pool;
    `limits`: nats-py's pending_msgs_limit / pending_bytes_limit. Stop it with `close`."""
    wanted = ordered_config(filter_, config)
    wanted.deliver_subject = nc.new_inbox()
    name = await claim(nc, wanted, stream)
    try:
        psub = await nc.jetstream(timeout=TIMEOUT).subscribe_bind(
            stream, wanted, name, cb=cb, ordered_consumer=True, **limits)
    except BaseException:
        await release(nc, name, stream)
        raise
    jsi = psub._sub._jsi  # nats-py's ordered state (private: see _recreate)
    jsi.recreate_consumer = lambda: _recreate(jsi, stream)
    return psub


async def _recreate(jsi, stream: str) -> None:
    """nats-py's re-creation after a gap or lost heartbeats (its reset has already moved the
    subscription to a new deliver subject and the start to the next sequence expected)."""
    nc = jsi._conn
    try:
        await release(nc, jsi._psub._consumer, stream)
        jsi._psub._consumer = await claim(nc, jsi._ccreq, stream)
    except Exception as err:  # as nats-py: reported; lost heartbeats bring the next try
        await nc._error_cb(err)


async def close(nc: Client, psub) -> None:
    """Unsubscribe and delete the consumer (a closed connection: it is reaped)."""
    with contextlib.suppress(nats.errors.Error):
        await psub.unsubscribe()
    await release(nc, psub._consumer, psub._stream, timeout=2.0)
