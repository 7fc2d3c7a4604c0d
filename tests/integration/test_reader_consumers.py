"""The consumers readers create, on a real nats-server with the config `pulih auth init` writes:
reporting reads through consumers named from its own pool (shared/consumers.py) and can neither
create, update nor delete a subscriber's; an ordered consumer re-created after a gap claims a
name again; and events a reader's push consumer delivers to a command subject (nats-server does
not check a deliver subject against its creator's permissions) are refused and write nothing."""

import uuid

import orjson
import pytest
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import APIError

from deploy import demo
from shared import consumers
from shared.bus import command_subject
from shared.envelope import STREAM
from shared.eventlog import read_log
from tests.e2e.helpers import signing
from tests.integration.secure import FILTER_A, SUBSCRIBER, A, until

pytestmark = pytest.mark.nats
API = f"$JS.API.CONSUMER.CREATE.{STREAM}"


async def info(conn, name: str) -> dict:
    reply = await conn.nc.request(f"$JS.API.CONSUMER.INFO.{STREAM}.{name}", b"", timeout=5)
    return orjson.loads(reply.data)


async def gone(conn, name: str) -> bool:
    return (await info(conn, name)).get("error", {}).get("err_code") == 10014  # not found


async def test_reporting_cannot_create_update_or_delete_a_subscribers_consumer(secure):
    subscriber = await secure.connect(f"subscriber-{SUBSCRIBER}")
    config = ConsumerConfig(name=SUBSCRIBER, durable_name=SUBSCRIBER, filter_subject=FILTER_A,
                            deliver_policy=DeliverPolicy.ALL, ack_policy=AckPolicy.EXPLICIT)
    await subscriber.nc.jetstream().add_consumer(STREAM, config)
    reporting = await secure.connect("reporting")
    wider = {**config.as_dict(), "filter_subject": "pulih.events.>",
             "deliver_subject": reporting.nc.new_inbox()}
    for action in ("", "update", "create"):
        request = {"stream_name": STREAM, "config": wider, **({"action": action} if action
                                                               else {})}
        for subject in (API, f"{API}.{SUBSCRIBER}", f"{API}.{SUBSCRIBER}.pulih.events.>",
                        f"{API}.{SUBSCRIBER}.{FILTER_A}",
                        f"$JS.API.CONSUMER.DURABLE.CREATE.{STREAM}.{SUBSCRIBER}"):
            await reporting.refused(subject, orjson.dumps(request))
    await reporting.refused(f"$JS.API.CONSUMER.DELETE.{STREAM}.{SUBSCRIBER}")
    kept = (await subscriber.nc.jetstream().consumer_info(STREAM, SUBSCRIBER)).config
    assert kept.filter_subject == FILTER_A and kept.deliver_subject is None
    assert kept.ack_policy == AckPolicy.EXPLICIT


async def test_reporting_reads_the_log_through_consumers_of_its_own_pool(secure):
    officer = await secure.officer(A)
    for index in (0, 1):
        await secure.command(officer, A, index)
    reporting = await secure.connect("reporting")
    names: list[str] = []
    real_claim = consumers.claim

    async def claim(nc, config, stream=STREAM):
        names.append(await real_claim(nc, config, stream))
        return names[-1]

    consumers.claim = claim
    try:
        read = [m.seq async for batch in read_log(reporting.nc) for m in batch]
    finally:
        consumers.claim = real_claim
    assert read == list(range(1, await secure.messages() + 1))
    (name,) = names
    assert name in consumers.slot_names()
    assert await gone(reporting, name)  # deleted when done


async def test_an_ordered_consumer_recreated_after_a_gap_takes_a_fresh_name(secure):
    officer = await secure.officer(A)
    await secure.command(officer, A, 0)
    reporting = await secure.connect("reporting")
    seen: list[int] = []

    async def take(msg):
        seen.append(msg.metadata.sequence.stream)

    sub = await consumers.subscribe(reporting.nc, "pulih.events.>", take)
    first = sub._consumer
    await until(lambda: seen == list(range(1, len(seen) + 1)) and seen, 10, f"{seen}")
    jsi = sub._sub._jsi
    await jsi.reset_ordered_consumer(jsi._sseq + 1)  # what a gap or lost heartbeats do
    await until(lambda: sub._consumer != first, 30, "not re-created")  # 10 s: once too short
    assert sub._consumer in consumers.slot_names()
    await until(lambda: gone(reporting, first), 10, "the old consumer is kept")
    new = [event["seq"] for event in (await ask(officer, signing_command(A)))["events"]]
    await until(lambda: new[-1] in seen, 10, f"after the reset: {seen}")
    assert seen == list(range(1, new[-1] + 1))  # resumed where it was: no gap, no repeat
    await consumers.close(reporting.nc, sub)
    assert await gone(reporting, sub._consumer)


def signing_command(prison: str) -> tuple[str, bytes]:
    """A SignAgreement an officer of `prison` could send (a new agreement), and its subject."""
    body = {"command_id": str(uuid.uuid4()), "actor": demo.actor(prison),
            "expected_version": None, "data": signing(str(uuid.uuid4()))}
    return command_subject(prison, "agreements", "SignAgreement"), orjson.dumps(body)


async def ask(conn, subject_and_body: tuple[str, bytes]) -> dict:
    reply = await conn.nc.request(*subject_and_body, timeout=10)
    return orjson.loads(reply.data)


@pytest.mark.parametrize("reader", ["reporting", f"subscriber-{SUBSCRIBER}"])
async def test_a_push_consumer_aimed_at_a_command_subject_executes_nothing(secure, reader):
    """nats-server issue 8274: a reader may create a push consumer whose deliver subject is a
    command subject; the body of what it would deliver here is a valid command. On 2.15.1 the
    server delivers only to a subscription on the literal subject (nats-server issue 6016),
    and the command services subscribe with wildcards, so it is never bound. Should it be
    delivered, it arrives as an unstamped message from inside PULIH, which the command edge
    refuses as `forbidden`, writing nothing (test_request_info.py: no identity of the generated
    config may publish a command inside PULIH, so that test uses hand-made accounts). Here the
    officer's identical request is executed afterwards, not answered as a replay."""
    officer, services = await secure.officer(A), await secure.connect("services")
    subject, command = signing_command(A)
    poison = f"pulih.events.{A}.agreement.{uuid.uuid4()}.Probe"  # a command stored as an event
    seq = (await services.nc.jetstream().publish(poison, command)).seq
    before = await secure.messages()
    conn = await secure.connect(reader)
    name = SUBSCRIBER if reader.startswith("subscriber") else consumers.slot_names()[0]
    config = {"name": name, "filter_subject": FILTER_A, "deliver_subject": subject,
              "deliver_policy": "by_start_sequence", "opt_start_seq": seq, "ack_policy": "none",
              "inactive_threshold": 5_000_000_000}
    created_on = f"{API}.{name}.{FILTER_A}" if name == SUBSCRIBER else f"{API}.{name}"
    drop = f"$JS.API.CONSUMER.DELETE.{STREAM}.{name}"  # one left by an earlier test
    for group in (None, "pulih-agreements"):  # as a plain or as the services' queue group
        await conn.nc.request(drop, b"", timeout=5)
        request = {"stream_name": STREAM, "config": {**config, "deliver_group": group}}
        reply = await conn.nc.request(created_on, orjson.dumps(request), timeout=5)
        assert "error" not in orjson.loads(reply.data), reply.data  # allowed: issue 8274
        barrier = await ask(officer, signing_command(A))
        assert barrier["ok"] is True, barrier
        state = await info(conn, name)
        assert not state.get("push_bound") and state["delivered"]["stream_seq"] < seq, state
        before += len(barrier["events"])
        assert await secure.messages() == before
    accepted = await ask(officer, (subject, command))
    assert accepted["ok"] is True and accepted["events"][0]["seq"] > seq, accepted
    assert await secure.messages() == before + len(accepted["events"])


async def test_a_push_consumer_aimed_at_the_api_or_the_log_does_nothing(secure):
    """Onto a stream subject: refused (a cycle). Onto `$JS.API` subjects: created (8274) but
    never bound; the stream and a subscriber's consumer are intact."""
    officer, reporting = await secure.officer(A), await secure.connect("reporting")
    await ask(officer, signing_command(A))
    before = await secure.messages()
    subscriber = await secure.connect(f"subscriber-{SUBSCRIBER}")
    await subscriber.nc.request(f"$JS.API.CONSUMER.DELETE.{STREAM}.{SUBSCRIBER}", b"", timeout=5)
    await subscriber.nc.jetstream().add_consumer(STREAM, ConsumerConfig(
        name=SUBSCRIBER, durable_name=SUBSCRIBER, filter_subject=FILTER_A))
    targets = [f"$JS.API.STREAM.PURGE.{STREAM}", f"$JS.API.STREAM.DELETE.{STREAM}",
               f"$JS.API.CONSUMER.DELETE.{STREAM}.{SUBSCRIBER}",
               f"pulih.events.{A}.agreement.{uuid.uuid4()}.AgreementSigned"]
    names = consumers.slot_names()
    for name, target in zip(names, targets, strict=False):
        await reporting.nc.request(f"$JS.API.CONSUMER.DELETE.{STREAM}.{name}", b"", timeout=5)
        config = {"name": name, "filter_subject": "pulih.events.>", "deliver_subject": target,
                  "deliver_policy": "all", "ack_policy": "none"}
        reply = await reporting.nc.request(f"{API}.{name}", orjson.dumps(
            {"stream_name": STREAM, "config": config}), timeout=5)
        error = orjson.loads(reply.data).get("error")
        assert (error or {}).get("err_code") == (10081 if target.startswith("pulih") else None)
    await ask(officer, signing_command(A))  # a round trip through the server and the log
    for name in names[:3]:
        state = await info(reporting, name)
        assert not state.get("push_bound") and state["delivered"]["stream_seq"] == 0, state
    assert await secure.messages() > before  # not purged, not deleted
    kept = await subscriber.nc.jetstream().consumer_info(STREAM, SUBSCRIBER)
    assert kept.config.filter_subject == FILTER_A


async def test_every_name_of_the_pool_in_use_is_an_error_until_one_is_released(secure):
    reporting = await secure.connect("reporting")
    for name in consumers.slot_names():  # left by earlier tests
        await consumers.release(reporting.nc, name)

    def wanted():
        config = consumers.ordered_config("pulih.events.>")
        config.deliver_subject = reporting.nc.new_inbox()
        config.inactive_threshold = 60.0  # no reader here: not reaped during the test
        return config

    held = {await consumers.claim(reporting.nc, wanted()) for _ in consumers.slot_names()}
    assert held == set(consumers.slot_names())  # each claim took a name no other holds
    with pytest.raises(APIError, match="in use"):
        await consumers.claim(reporting.nc, wanted())
    await consumers.release(reporting.nc, "reporting-7")
    assert await consumers.claim(reporting.nc, wanted()) == "reporting-7"
