"""`pulih auth init` run again on a live deployment: a new prison and its officer are added,
every existing key is kept, and the running server takes them on a config reload."""

import json
import signal

import nats.errors
import pytest

from deploy.embedded import start_nats
from shared.credentials import officer
from tests.integration.secure import OFFICER, A, Secure, init, services, until

pytestmark = pytest.mark.nats
C = "lapas-c"


def reloads(server):
    return server.log_path.read_text().count("Reloaded server configuration")


def keys(directory):
    return {i["public_key"] for i in json.loads((directory / "identities.json").read_text())
            ["identities"]}


async def test_a_reload_adds_a_prison_and_keeps_every_key(server_dir):
    credentials = server_dir / "identities"
    init(credentials, A)
    server = start_nats(server_dir, auth=credentials)
    rt = await services(server, credentials)
    secure = Secure(server, credentials)
    try:
        assert (await secure.command(await secure.officer(A), A))["ok"] is True
        before = keys(credentials)
        init(credentials, A, C)
        assert before < keys(credentials)  # new keys, none replaced
        with pytest.raises((nats.errors.NoServersError, nats.errors.Error)):
            await secure.officer(C)  # unknown to the server until it reloads

        # nats-server 2.15.1 admits the new officer on the first reload, but wires the new
        # account's service import only on a second one (seen: no responders until then).
        for count in (1, 2):
            server.process.send_signal(signal.SIGHUP)
            await until(lambda n=count: reloads(server) >= n, 10, "no config reload")

        async def officer_c():
            try:
                return await secure.officer(C)
            except (nats.errors.NoServersError, nats.errors.Error, OSError):
                return None

        officer_c = await until(officer_c, 10, f"{officer(C, OFFICER)} never admitted")
        assert (await secure.command(officer_c, C))["ok"] is True
        assert (await secure.command(await secure.officer(A), A, 1))["ok"] is True
    finally:
        await secure.close()
        await rt.stop()
        server.stop()
