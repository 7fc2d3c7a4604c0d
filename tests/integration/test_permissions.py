"""Permissions enforced by a real nats-server run with the config `pulih auth init` writes:
an officer sends only its prison's commands; nobody but the command services writes the log;
nobody can delete, purge or reconfigure the stream or another identity's consumer."""

import uuid

import nats.errors
import orjson
import pytest

from deploy import demo
from shared.bus import command_subject
from shared.envelope import STREAM
from shared.jetstream import CLAIMS_STREAM, STREAM_CONFIG
from tests.integration.secure import SUBSCRIBER, A, B

pytestmark = pytest.mark.nats


async def test_an_officer_sends_its_own_prisons_commands(secure):
    officer_a = await secure.officer(A)
    reply = await secure.command(officer_a, A)
    assert reply["ok"] is True and reply["events"], reply


async def test_a_command_on_another_prisons_subject_never_reaches_a_service(secure):
    officer_a = await secure.officer(A)
    await secure.command(officer_a, A)  # the stream exists and the service answers
    before = await secure.messages()
    service, name, data = demo.scenario(B)[1]
    subject = command_subject(B, service, name)
    command = orjson.dumps({"command_id": str(uuid.uuid4()), "actor": demo.actor(B),
                            "expected_version": None, "data": data})
    await officer_a.refused(subject, command)
    with pytest.raises((nats.errors.NoRespondersError, nats.errors.TimeoutError)):
        await officer_a.nc.request(subject, command, timeout=1)
    assert await secure.messages() == before


def forged_event() -> tuple[str, bytes]:
    aggregate = str(uuid.uuid4())
    body = {"event_id": str(uuid.uuid4()), "type": "AgreementSigned", "actor": demo.actor(A),
            "aggregate_id": aggregate, "data": {}}
    return f"pulih.events.{A}.agreement.{aggregate}.AgreementSigned", orjson.dumps(body)


def destructive(identity: str) -> list[tuple[str, bytes]]:
    """Every way to forge, destroy or weaken the log, and another's consumer."""
    weaker = orjson.dumps({**STREAM_CONFIG.as_dict(), "deny_delete": False, "deny_purge": False})
    other_consumer = "some-reader" if identity.startswith("subscriber") else SUBSCRIBER
    attempts = [
        (f"$JS.API.STREAM.UPDATE.{STREAM}", weaker),
        (f"$JS.API.STREAM.DELETE.{STREAM}", b""),
        (f"$JS.API.STREAM.PURGE.{STREAM}", b"{}"),
        (f"$JS.API.STREAM.DELETE.{CLAIMS_STREAM}", b""),
        (f"$JS.API.STREAM.MSG.DELETE.{STREAM}", orjson.dumps({"seq": 1})),
        (f"$JS.API.CONSUMER.DELETE.{STREAM}.{other_consumer}", b""),
        (f"$JS.API.CONSUMER.DURABLE.CREATE.{STREAM}.{other_consumer}", b"{}"),
    ]
    if identity != "services":
        attempts.append(forged_event())
    if identity != "admin":
        attempts.append((f"$JS.API.STREAM.CREATE.{STREAM}", weaker))
    return attempts


@pytest.mark.parametrize("identity", [f"officer-{A}-{demo.DEMO_OFFICER}", "reporting",
                                      f"subscriber-{SUBSCRIBER}", "admin", "services"])
async def test_no_identity_can_forge_delete_purge_or_reconfigure(secure, identity):
    officer_a = await secure.officer(A)
    await secure.command(officer_a, A)
    before = await secure.messages()
    client = await secure.connect(identity)
    for subject, body in destructive(identity):
        await client.refused(subject, body)
    admin = await secure.connect("admin")
    info = await admin.nc.jetstream().stream_info(STREAM)
    assert info.state.messages == before
    assert info.config.deny_delete and info.config.deny_purge
    # The stream is still there, and appends still work.
    assert (await secure.command(officer_a, A, 1))["ok"] is True


async def test_admin_cannot_weaken_the_stream_by_creating_it_again(secure):
    admin = await secure.connect("admin")
    weaker = {**STREAM_CONFIG.as_dict(), "deny_delete": False, "deny_purge": False}
    reply = await admin.nc.request(f"$JS.API.STREAM.CREATE.{STREAM}", orjson.dumps(weaker),
                                   timeout=5)
    assert "error" in orjson.loads(reply.data), reply.data
    info = await admin.nc.jetstream().stream_info(STREAM)
    assert info.config.deny_delete and info.config.deny_purge


async def test_an_unknown_client_cannot_connect(secure):
    with pytest.raises((nats.errors.NoServersError, nats.errors.Error)):
        await nats.connect(secure.server.url, allow_reconnect=False, connect_timeout=2,
                           max_reconnect_attempts=0)
