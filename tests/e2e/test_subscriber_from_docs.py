"""A FastStream subscriber written only from docs/asyncapi.json replays one prison's history and
follows it live, on a real nats-server the command services write to.

The subscriber is the snippet of the document's description, run as it stands; its filter is
built from the documented subject of an event, `pulih.events.{prison_id}.…`. It runs twice: on
an open server, and on one started with `pulih auth init DIR --prison … --officer …
--subscriber docs=pulih.events.lapas-docs-a.>` (the services connect with PULIH_NATS_CREDENTIALS,
the commands come from each prison's officer, the subscriber holds only `subscriber-docs.nk`).
"""

from __future__ import annotations

import asyncio
import json
import tempfile
import time
import warnings
from dataclasses import dataclass, replace
from pathlib import Path

import nats
import nats.errors
import orjson
import pytest
from faststream.nats import NatsBroker
from nats.js.errors import APIError

from deploy.embedded import start_nats
from ops.auth_cli import write
from services.agreements.main import install as install_agreements
from services.programs.main import install as install_programs
from shared.bus import command_subject
from shared.credentials import SERVICES, connect_options, officer, seed_file, subscriber
from shared.jetstream import ensure_stream
from shared.runtime import Runtime
from shared.settings import Settings
from tests.e2e.helpers import launching, registering, signing, uid

DOC = json.loads((Path(__file__).resolve().parents[2] / "docs" / "asyncapi.json").read_text())
A, B = "lapas-docs-a", "lapas-docs-b"
pytestmark = pytest.mark.nats


@dataclass
class Credentials:
    """What the subscriber is given: its NAME and seed file (None: the server is open)."""

    name: str = "docs"
    seed_file: str | None = None


def documented(what: str):
    """`what`, defined by the document's Python snippet, as an integrator would copy it."""
    code = DOC["info"]["description"].split("```python\n", 1)[1].split("```", 1)[0]
    namespace: dict = {}
    exec(compile(code, "docs/asyncapi.json#/info/description", "exec"), namespace)
    return namespace[what]


def prison_filter(prison_id: str) -> str:
    """One prison's filter, from the documented subject of an event."""
    address = DOC["channels"]["events.AgreementSigned"]["address"]
    return address.split("{prison_id}")[0] + prison_id + ".>"


@pytest.fixture(scope="module", params=["open", "with credentials"])
async def log(servers_root, request):
    """A private server whose log two prisons' commands wrote; the services keep running."""
    root = Path(tempfile.mkdtemp(prefix="subscriber-", dir=servers_root))
    creds = None
    if request.param == "with credentials":
        creds = root / "creds"
        write(creds, [A, B], [f"{A}:docs", f"{B}:docs"], [f"docs={prison_filter(A)}"])
    server = start_nats(root, auth=creds)
    settings = replace(Settings.from_env({}), expiry_check_seconds=3600, nats_credentials=creds)
    rt = Runtime(settings, server.url, None, identity=SERVICES)
    await rt.open()
    install_agreements(rt)
    install_programs(rt)
    await rt.start()
    # Who sends the commands (each prison's officer) and who may look at the consumer.
    senders = {p: await nats.connect(server.url, **connect_options(creds, officer(p, "docs")))
               for p in (A, B)}
    seed = str(seed_file(creds, subscriber("docs"))) if creds else None
    inspector = await nats.connect(server.url, **connect_options(creds, subscriber("docs")))
    try:
        yield Log(senders, inspector, server.url, Credentials(seed_file=seed))
    finally:
        for nc in (*senders.values(), inspector):
            await nc.close()
        await rt.stop()
        server.stop()


@dataclass
class Log:
    senders: dict[str, nats.NATS]
    nc: nats.NATS
    url: str
    credentials: Credentials

    async def command(self, prison_id: str, service: str, name: str, data: dict) -> list[str]:
        """Send one command as the prison's officer; the event ids it wrote."""
        body = {"command_id": uid(), "actor": f"officer:{prison_id}:docs",
                "expected_version": None, "data": data}
        reply = orjson.loads((await self.senders[prison_id].request(
            command_subject(prison_id, service, name), orjson.dumps(body), timeout=10)).data)
        assert reply["ok"] is True, reply
        return [event["event_id"] for event in reply["events"]]

    async def history(self, prison_id: str) -> list[str]:
        agreement, participant = uid(), uid()
        written = await self.command(prison_id, "agreements", "SignAgreement",
                                     signing(agreement))
        written += await self.command(prison_id, "programs", "RegisterParticipant",
                                      registering(participant))
        written += await self.command(prison_id, "programs", "LaunchProgram",
                                      launching(uid(), agreement))
        return written


async def until(condition, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the subscriber did not receive the events in time"
        await asyncio.sleep(0.02)


async def test_a_subscriber_from_the_docs_replays_one_prison_then_follows_it(log):
    a_history = await log.history(A)
    b_history = await log.history(B)
    received: list[tuple[dict, dict]] = []

    async def handle(envelope: dict, headers: dict) -> None:
        received.append((envelope, headers))

    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # FastStream warns on a misconfiguration
        broker = documented("pulih_subscriber")(
            log.url, log.credentials.name, prison_filter(A), log.credentials.seed_file, handle)
    async with broker:
        await broker.start()
        await until(lambda: len(received) >= len(a_history))
        b_live = await log.history(B)  # written first: it would come first, were it let through
        a_live = await log.command(A, "programs", "RegisterParticipant", registering(uid()))
        await until(lambda: len(received) >= len(a_history) + len(a_live))

    assert [envelope["event_id"] for envelope, _ in received] == a_history + a_live
    assert {envelope["prison_id"] for envelope, _ in received} == {A}
    assert all(headers["Nats-Msg-Id"] == envelope["event_id"] for envelope, headers in received)
    seen = {envelope["event_id"] for envelope, _ in received}
    assert not seen & set(b_history + b_live)
    if log.credentials.seed_file is not None:  # the secured run really is secured
        with pytest.raises(nats.errors.Error):
            await nats.connect(log.url, allow_reconnect=False, max_reconnect_attempts=0,
                               connect_timeout=2)
    consumer = await log.nc.jetstream().consumer_info("PULIH_EVENTS", log.credentials.name)
    assert consumer.config.filter_subject == prison_filter(A)
    assert consumer.config.deliver_policy == "all"


async def test_a_plain_stream_argument_dies_with_10052_as_the_docs_say(servers_root):
    """What the document warns of, on a server holding Pulih's stream: FastStream declares the
    stream, finds it in use, tries to update it to its defaults and is refused."""
    assert "10052" in DOC["info"]["description"]
    server = start_nats(Path(tempfile.mkdtemp(prefix="declare-", dir=servers_root)))
    nc = await nats.connect(server.url)
    try:
        await ensure_stream(nc)
        before = (await nc.jetstream().stream_info("PULIH_EVENTS")).config
        broker = NatsBroker(server.url)
        broker.subscriber(prison_filter(A), stream="PULIH_EVENTS")(_ignore)
        try:
            with pytest.raises(APIError) as refused:
                await broker.start()
        finally:
            await broker.stop()
        assert refused.value.err_code == 10052
        assert refused.value.description in " ".join(DOC["info"]["description"].split())
        assert (await nc.jetstream().stream_info("PULIH_EVENTS")).config == before
    finally:
        await nc.close()
        server.stop()


async def _ignore(body: dict) -> None:
    """Never called: the broker does not start."""
