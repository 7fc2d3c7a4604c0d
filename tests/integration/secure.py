"""A real nats-server run with the config `pulih auth init` generates, the command services
connected as `services`, and clients connected as any identity, which record the permission
violations the server reports to them."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import nats
import nats.errors
import orjson
from nats.aio.client import Client

from deploy import demo
from deploy.embedded import RunningServer, start_nats
from ops.auth_cli import write
from shared.credentials import connect_options, officer
from shared.envelope import STREAM
from shared.runtime import Runtime
from shared.settings import Settings

A, B = "lapas-a", "lapas-b"
FILTER_A = f"pulih.events.{A}.>"
SUBSCRIBER = "partner-a"
OFFICER = demo.DEMO_OFFICER  # the demo's commands carry its actor, officer:{prison}:demo


def init(directory: Path, *prisons: str) -> None:
    write(directory, list(prisons), [f"{p}:{OFFICER}" for p in prisons],
          [f"{SUBSCRIBER}={FILTER_A}"])


@dataclass
class Conn:
    nc: Client
    violations: list[str] = field(default_factory=list)

    async def refused(self, subject: str, body: bytes = b"", timeout: float = 5.0) -> None:
        """Publish to `subject` and wait for the server's permission violation naming it."""
        await self.nc.publish(subject, body, reply=self.nc.new_inbox())
        quoted = f'"{subject}"'.lower()  # nats-py lowercases the server's error
        await until(lambda: any(quoted in v for v in self.violations), timeout,
                    f"no permission violation for {subject}: {self.violations}")


@dataclass
class Secure:
    server: RunningServer
    credentials: Path
    clients: list[Client] = field(default_factory=list)

    async def connect(self, identity: str, **options) -> Conn:
        client = Conn(None)

        async def on_error(error: Exception) -> None:
            client.violations.append(str(error))

        client.nc = await nats.connect(self.server.url, name=identity, error_cb=on_error,
                                       allow_reconnect=False,
                                       **connect_options(self.credentials, identity), **options)
        self.clients.append(client.nc)
        return client

    async def officer(self, prison: str) -> Conn:
        return await self.connect(officer(prison, OFFICER))

    async def command(self, client: Conn, prison: str, index: int = 0) -> dict:
        """The demo scenario's `index`-th command for `prison`, sent by `client`."""
        service, name, data = demo.scenario(prison)[index]
        return await demo.send(client.nc, service, name, data, prison)

    async def messages(self) -> int:
        admin = await self.connect("admin")
        try:
            return (await admin.nc.jetstream().stream_info(STREAM)).state.messages
        finally:
            await admin.nc.close()

    async def close(self) -> None:
        for nc in self.clients:
            if not nc.is_closed:
                await nc.close()


@contextlib.asynccontextmanager
async def secure_server(root: Path) -> AsyncIterator[Secure]:
    """A server with prisons A and B, their officers, a subscriber of A, and the agreements
    service; in `root`."""
    init(root / "identities", A, B)
    server = start_nats(root, auth=root / "identities")
    rt = await services(server, root / "identities")
    secure = Secure(server, root / "identities")
    try:
        yield secure
    finally:
        await secure.close()
        await rt.stop()
        server.stop()


async def services(server: RunningServer, credentials: Path, service: str = "agreements"
                   ) -> Runtime:
    """A command service (the agreements one unless named), connected as `services` (streams
    ensured as `admin`)."""
    install = importlib.import_module(f"services.{service}.main").install
    settings = replace(Settings.from_env({}), nats_credentials=credentials)
    rt = Runtime(settings, server.url, None)
    await rt.open()
    install(rt)
    await rt.start()
    return rt


async def until(probe, timeout: float, message: str):
    deadline = time.monotonic() + timeout
    while True:
        result = probe()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(message)
        await asyncio.sleep(0.02)


def body(data: dict) -> bytes:
    return orjson.dumps(data)
