"""What nats-server stamps in `Nats-Request-Info` on a request crossing a prison's import (with
`share: true`), that a client cannot forge it, and the command edge trusting exactly that: on a
real server with the hand-made accounts of tests/integration/accounts.py."""

import asyncio
import base64
import json
import tempfile
import uuid
from pathlib import Path

import nats.errors
import nkeys
import orjson
import pytest
from faststream.nats import NatsBroker
from faststream.nats.security import NatsNKey

from services.agreements.handlers import TABLE
from shared.bus import command_router
from shared.envelope import STREAM
from shared.errors import Rejected
from shared.executor import Context, Executor
from shared.identities import REQUEST_INFO, Identities, sender
from shared.jetstream import JetStreamEventStore, ensure_stream
from shared.store import utc_now
from tests.e2e.helpers import signing
from tests.integration.accounts import Accounts

pytestmark = pytest.mark.nats
A, B = "lapas-a", "lapas-b"
ECHO = f"pulih.commands.{A}.echo.Headers"  # answered with the headers the service received
FORGED = {"acc": "prison-lapas-a", "user": "UFORGED", "rtt": 1}


def claim(key) -> str:
    """A client's own header claiming to be `key`, an officer of prison A."""
    return json.dumps({"acc": "prison-lapas-a", "user": key.public, "rtt": 1})


@pytest.fixture(scope="module")
def accounts():
    return Accounts.new((A, "budi"), (A, "ani"), (B, "sari"))


@pytest.fixture(scope="module")
def server(accounts, servers_root):
    running = accounts.start(Path(tempfile.mkdtemp(prefix="request-info-", dir=servers_root)))
    yield running
    running.stop()


@pytest.fixture(scope="module")
def identities(accounts, servers_root):
    return Identities.load(accounts.identities(Path(tempfile.mkdtemp(dir=servers_root))))


@pytest.fixture(scope="module")
async def services(server, accounts, identities):
    """The services' side in PULIH: an echo responder, and the agreements commands on
    JetStream with identities configured. Yields the services' own connection."""
    nc = await accounts.services.connect(server.url)
    await ensure_stream(nc)

    async def echo(msg):
        await msg.respond(orjson.dumps(msg.headers or {}))

    await nc.subscribe("pulih.commands.*.echo.>", cb=echo)
    broker = NatsBroker(server.url, logger=None,
                        security=NatsNKey.from_seed(accounts.services.seed))
    executor = Executor(Context(JetStreamEventStore(nc), utc_now, identities), TABLE)
    broker.include_router(command_router("agreements", executor))
    await broker.start()
    yield nc
    await broker.stop()
    await nc.drain()


@pytest.fixture
async def budi(server, accounts, services):
    nc = await accounts.officers[A, "budi"].connect(server.url)
    yield nc
    await nc.drain()


async def echoed(nc, headers=None, subject=ECHO) -> dict:
    return orjson.loads((await nc.request(subject, b"{}", timeout=10, headers=headers)).data)


async def test_the_server_stamps_the_officers_account_and_public_key(budi, accounts):
    seen = await echoed(budi)
    info = json.loads(seen[REQUEST_INFO])
    print(f"\n{REQUEST_INFO}: {seen[REQUEST_INFO]}")  # the report quotes it (pytest -s)
    assert info["acc"] == "prison-lapas-a"
    assert info["user"] == accounts.officers[A, "budi"].public
    assert info["kind"] == "Client"


async def test_a_header_set_by_the_client_is_overwritten_crossing_the_import(budi, accounts):
    ani = accounts.officers[A, "ani"]
    seen = await echoed(budi, {REQUEST_INFO: claim(ani)})
    info = json.loads(seen[REQUEST_INFO])
    assert (info["acc"], info["user"]) == ("prison-lapas-a", accounts.officers[A, "budi"].public)
    assert ani.public not in json.dumps(seen)


async def test_a_variant_spelling_beside_the_stamp_does_not_pass_as_another_sender(
        budi, accounts, identities):
    seen = await echoed(budi, {REQUEST_INFO.lower(): claim(accounts.officers[A, "ani"])})
    print(f"\nwith a lower-case client header the service received: {seen}")
    assert json.loads(seen[REQUEST_INFO])["user"] == accounts.officers[A, "budi"].public
    with pytest.raises(Rejected) as caught:  # the edge refuses rather than choose
        sender(identities, seen, A)
    assert caught.value.code == "forbidden"


@pytest.mark.parametrize(("spellings", "received"), [
    (["{name}: {value}"] * 2, {REQUEST_INFO}),  # twice: both removed
    (["{name} : {value}"], {REQUEST_INFO}),  # a space before the colon (nats-py strips it)
    (["{name}:{value}", "{name} :{value}"], {REQUEST_INFO}),
    (["{upper}: {value}", "{name}: {value}"], {REQUEST_INFO, REQUEST_INFO.upper()}),
])
async def test_a_header_spelled_by_a_raw_client_is_never_taken_for_the_stamp(
        server, accounts, services, identities, spellings, received):
    """nats-py sends each header once, well formed; the wire protocol can send anything (HPUB,
    the nkey signed by hand). Budi claims to be Ani, an officer of the same prison. Observed on
    2.15.1: every header of the exact name is removed, however spaced or repeated, before the
    server's own is added; one in another case is kept beside it, and the edge refuses such a
    request rather than choose."""
    budi, ani = accounts.officers[A, "budi"], accounts.officers[A, "ani"]
    lines = [f.format(name=REQUEST_INFO, upper=REQUEST_INFO.upper(), value=claim(ani))
             for f in spellings]
    seen = await raw_request(server.url, budi, ECHO, lines)
    print(f"\n{spellings} → the service received {seen}")
    assert set(seen) == received
    assert json.loads(seen[REQUEST_INFO])["user"] == budi.public
    if received == {REQUEST_INFO}:
        assert sender(identities, seen, A).public_key == budi.public
    else:
        with pytest.raises(Rejected):
            sender(identities, seen, A)


async def test_inside_the_services_account_nothing_is_stamped(services):
    """No import is crossed, so the server leaves a client's header as it is: the trust rests on
    no identity of the PULIH account being allowed to publish commands (auth init's
    permissions), and the edge refusing a request without a prison account's stamp."""
    seen = await echoed(services, {REQUEST_INFO: json.dumps(FORGED)})
    assert json.loads(seen[REQUEST_INFO]) == FORGED
    assert REQUEST_INFO not in await echoed(services)


async def test_an_officer_cannot_reach_another_prisons_commands(budi):
    with pytest.raises(nats.errors.NoRespondersError):
        await echoed(budi, subject=f"pulih.commands.{B}.echo.Headers")


async def sign(nc, actor, prison=A):
    body = {"command_id": str(uuid.uuid4()), "actor": actor, "expected_version": None,
            "data": signing(str(uuid.uuid4()))}
    subject = f"pulih.commands.{prison}.agreements.SignAgreement"
    return orjson.loads((await nc.request(subject, orjson.dumps(body), timeout=10)).data)


async def test_an_officer_signs_as_itself_and_no_one_else(budi, services):
    js = services.jetstream()
    accepted = await sign(budi, "officer:lapas-a:budi")
    assert accepted["ok"] is True, accepted
    (event,) = accepted["events"]
    stored = orjson.loads((await js.get_msg(STREAM, seq=event["seq"])).data)
    assert stored["actor"] == "officer:lapas-a:budi"
    before = (await js.stream_info(STREAM)).state.last_seq
    for nc, actor in ((budi, "officer:lapas-a:ani"), (budi, "officer:lapas-b:sari"),
                      (services, "officer:lapas-a:budi")):  # unstamped: from inside PULIH
        refused = await sign(nc, actor)
        assert refused["ok"] is False and refused["error"]["code"] == "forbidden", refused
    assert (await js.stream_info(STREAM)).state.last_seq == before


async def raw_request(url, key, subject, lines) -> dict:
    """One request with these header lines over the raw client protocol, authenticated with
    the nkey: the reply's JSON body."""
    host, port = url.removeprefix("nats://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    try:
        info = json.loads((await reader.readline()).split(b" ", 1)[1])
        signed = nats_sign(key.seed, info["nonce"])
        connect = {"verbose": False, "pedantic": False, "headers": True, "protocol": 1,
                   "no_responders": True, "nkey": key.public, "sig": signed}
        head = "NATS/1.0\r\n" + "".join(f"{line}\r\n" for line in lines) + "\r\n"
        payload = head.encode() + b"{}"
        writer.write(f"CONNECT {json.dumps(connect)}\r\nSUB _INBOX.raw 1\r\n"
                     f"HPUB {subject} _INBOX.raw {len(head)} {len(payload)}\r\n".encode()
                     + payload + b"\r\n")
        await writer.drain()
        while True:
            line = await asyncio.wait_for(reader.readline(), 10)
            if line.startswith(b"-ERR"):
                raise AssertionError(line)
            if line.startswith((b"MSG", b"HMSG")):
                size = int(line.split()[-1])
                body = (await reader.readexactly(size + 2))[:-2]
                header_size = int(line.split()[-2]) if line.startswith(b"HMSG") else 0
                return orjson.loads(body[header_size:])
            if line.startswith(b"PING"):
                writer.write(b"PONG\r\n")
    finally:
        writer.close()


def nats_sign(seed: str, nonce: str) -> str:
    signature = nkeys.from_seed(seed.encode()).sign(nonce.encode())
    return base64.urlsafe_b64encode(signature).decode().rstrip("=")
