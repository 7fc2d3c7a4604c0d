"""A subscriber identity (filter `pulih.events.lapas-a.>`) on a real nats-server with the
generated config: it replays its prison's events from sequence 1 and follows new ones through a
consumer named after itself, sees none of another prison's, and cannot widen its filter, read
by direct get, or touch another reader's consumer."""


import orjson
import pytest
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from shared.direct import DirectReader
from shared.envelope import STREAM
from tests.integration.secure import FILTER_A, SUBSCRIBER, A, B, until

pytestmark = pytest.mark.nats
CREATE = f"$JS.API.CONSUMER.CREATE.{STREAM}"


async def test_a_subscriber_replays_and_follows_only_its_filter(secure):
    officer_a, officer_b = await secure.officer(A), await secure.officer(B)
    for index in (0, 1):
        await secure.command(officer_a, A, index)
    await secure.command(officer_b, B, 0)
    reader = DirectReader((await secure.connect("services")).nc)
    logged_a = [r.seq for r in await reader.read(FILTER_A, 1)]
    assert logged_a

    client = await secure.connect(f"subscriber-{SUBSCRIBER}")
    received: list[tuple[int, str]] = []

    async def on_message(msg):
        received.append((msg.metadata.sequence.stream, msg.subject))
        await msg.ack()

    config = ConsumerConfig(name=SUBSCRIBER, durable_name=SUBSCRIBER,
                            deliver_policy=DeliverPolicy.ALL, ack_policy=AckPolicy.EXPLICIT)
    sub = await client.nc.jetstream().subscribe(FILTER_A, stream=STREAM, durable=SUBSCRIBER,
                                                config=config, cb=on_message)
    await until(lambda: len(received) >= len(logged_a), 10, f"replay: {received}")
    assert [seq for seq, _ in received] == logged_a  # every A event from seq 1, in order

    await secure.command(officer_b, B, 1)
    reply = await secure.command(officer_a, A, 2)
    new = [event["seq"] for event in reply["events"]]
    await until(lambda: {s for s, _ in received} >= set(new), 10, f"follow: {received}")
    assert all(subject.startswith(f"pulih.events.{A}.") for _, subject in received)
    await sub.unsubscribe()

    # Another filter, under its own name or the stream-wide subjects: refused by the server.
    wider = {"stream_name": STREAM, "config": {"name": SUBSCRIBER, "filter_subject":
             f"pulih.events.{B}.>", "deliver_subject": client.nc.new_inbox()}}
    await client.refused(f"{CREATE}.{SUBSCRIBER}.pulih.events.{B}.>", orjson.dumps(wider))
    await client.refused(CREATE, orjson.dumps(wider))
    await client.refused(f"$JS.API.CONSUMER.DURABLE.CREATE.{STREAM}.{SUBSCRIBER}",
                         orjson.dumps(wider))
    await client.refused(f"{CREATE}.other.{FILTER_A}", orjson.dumps(wider))
    await client.refused(f"$JS.API.DIRECT.GET.{STREAM}", orjson.dumps({"seq": 1}))
    await client.refused(f"$JS.API.STREAM.INFO.{STREAM}")
    # Its own create subject with another filter in the body: the server pins the filter.
    reply = await client.nc.request(f"{CREATE}.{SUBSCRIBER}.{FILTER_A}", orjson.dumps(wider),
                                    timeout=5)
    assert orjson.loads(reply.data)["error"]["err_code"] == 10131, reply.data
