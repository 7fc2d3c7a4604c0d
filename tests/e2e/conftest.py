"""The whole stack in this process, through its public contract: NATS commands in, HTTP out."""

import asyncio
import time
import uuid
from dataclasses import replace

import httpx
import nats
import orjson
import pytest

from deploy.embedded import free_port
from deploy.stack import installers
from ops.auth_cli import write
from services.reporting.main import Reporting
from shared.bus import command_subject
from shared.credentials import REPORTING
from shared.runtime import Runtime
from shared.settings import Settings


class Stack:
    def __init__(self, rt: Runtime, nc, http: httpx.AsyncClient):
        self.rt, self.nc, self.http = rt, nc, http

    async def command(self, prison_id, service, name, data, *, command_id=None,
                      expected_version=None, actor="officer:test:rina"):
        body = {"command_id": command_id or str(uuid.uuid4()), "actor": actor,
                "expected_version": expected_version, "data": data}
        reply = await self.nc.request(command_subject(prison_id, service, name),
                                      orjson.dumps(body), timeout=10)
        return orjson.loads(reply.data)

    async def until(self, probe, timeout=10.0):
        """Poll `probe` (async, returns a truthy value when done) until it is, or fail."""
        deadline = time.monotonic() + timeout
        while True:
            result = await probe()
            if result:
                return result
            if time.monotonic() > deadline:
                raise AssertionError(f"condition not met within {timeout}s: last {result!r}")
            await asyncio.sleep(0.02)

    async def caught_up(self, seq):
        async def probe():
            health = (await self.http.get("/health")).json()
            applied = [p["last_seq"] for p in health["projections"].values()]
            return applied and min(applied) >= seq

        await self.until(probe)


@pytest.fixture(scope="session")
async def stack(nats_url, database_url):
    settings = replace(Settings.from_env({}), http_port=free_port(),
                       readmodel_schema=f"e2e_{uuid.uuid4().hex[:8]}")
    rt = Runtime(settings, nats_url, database_url)
    await rt.open()
    for install in installers().values():
        install(rt)
    await rt.start()
    nc = await nats.connect(nats_url)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{settings.http_port}") as http:
        s = Stack(rt, nc, http)
        await s.until(lambda: _up(http))
        yield s
    await nc.drain()
    await rt.stop()


@pytest.fixture(scope="session")
async def secured_reports(stack, nats_url, database_url, tmp_path_factory):
    """The reporting HTTP service composed as in production with PULIH_HTTP_AUTH on (its key
    in PULIH_NATS_CREDENTIALS, an OpenID Connect key set at PULIH_HTTP_JWKS_URL), over the
    stack's read model: yields its base URL and the credentials directory (tokens: ops.tokens)."""
    from tests.unit.test_http_tokens import JWK, key_set_server

    creds = tmp_path_factory.mktemp("creds")
    write(creds, ["lapas-a"])  # `pulih auth init`: the NATS identities and the token key
    with key_set_server([JWK]) as (jwks_url, _):
        settings = replace(stack.rt.settings, http_port=free_port(), http_auth=True,
                           nats_credentials=creds, http_jwks_url=jwks_url)
        rt = Runtime(settings, nats_url, database_url, identity=REPORTING)
        await rt.open()
        rt.job(Reporting(rt).serve_http)
        await rt.start()
        base_url = f"http://127.0.0.1:{settings.http_port}"
        try:
            async with httpx.AsyncClient(base_url=base_url) as http:
                await stack.until(lambda: _up(http))
            yield base_url, creds
        finally:
            await rt.stop()


async def _up(http):
    try:
        return (await http.get("/health")).status_code == 200
    except httpx.TransportError:
        return False


@pytest.fixture
def prison_id():
    return f"lapas-{uuid.uuid4().hex[:10]}"
