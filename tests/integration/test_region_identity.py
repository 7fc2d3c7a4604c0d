"""A region's identity on a real nats-server run with the config `pulih auth init --region`
writes, the programs service connected as `services`: a region user sets quotas and assigns
the Kanwil of its own prisons only; an officer of the prison, who may publish every command of
its prison, is refused by the service (`forbidden`)."""

import tempfile
import uuid
from pathlib import Path

import nats.errors
import orjson
import pytest

from deploy.embedded import start_nats
from ops.auth_cli import write
from shared.bus import command_subject
from shared.credentials import officer, region
from shared.prisons import aggregate_id
from tests.integration.secure import Secure, services

pytestmark = pytest.mark.nats
A, B = "lapas-a", "lapas-b"  # lapas-a in Kanwil jatim; lapas-b in jateng
QUOTA = {"year": 2025, "track": "medical", "target": 40}
ASSIGN = {"kanwil_id": "jatim", "kanwil_name": "Kanwil Jawa Timur", "assigned_on": "2025-01-02"}


@pytest.fixture(scope="module")
async def secure(servers_root):
    root = Path(tempfile.mkdtemp(prefix="region-", dir=servers_root))
    credentials = root / "identities"
    write(credentials, [A, B], [f"{A}:budi"], [], [f"jatim={A}", f"jateng={B}"],
          ["jatim:ana", "jateng:eko"])
    server = start_nats(root, auth=credentials)
    rt = await services(server, credentials, "programs")
    held = Secure(server, credentials)
    yield held
    await held.close()
    await rt.stop()
    server.stop()


async def send(conn, prison, name, data, actor, timeout=5.0):
    body = orjson.dumps({"command_id": str(uuid.uuid4()), "actor": actor,
                         "expected_version": None, "data": data})
    reply = await conn.nc.request(command_subject(prison, "programs", name), body,
                                  timeout=timeout)
    return orjson.loads(reply.data)


async def test_a_region_user_sets_its_prisons_quota_and_kanwil(secure):
    ana = await secure.connect(region("jatim", "ana"))
    assigned = await send(ana, A, "AssignKanwil", ASSIGN, "region:jatim:ana")
    assert assigned["ok"] is True, assigned
    quota = await send(ana, A, "SetQuota", QUOTA, "region:jatim:ana")
    assert quota["ok"] is True, quota
    assert quota["aggregate_id"] == aggregate_id(A)


async def test_an_officer_of_the_prison_is_forbidden(secure):
    budi = await secure.connect(officer(A, "budi"))
    for name, data in (("SetQuota", QUOTA), ("AssignKanwil", ASSIGN)):
        for actor in ("officer:lapas-a:budi", "region:jatim:ana"):
            reply = await send(budi, A, name, data, actor)
            assert reply["error"]["code"] == "forbidden", reply


async def test_a_region_reaches_no_other_prison_nor_other_command(secure):
    ana = await secure.connect(region("jatim", "ana"))
    for subject in (command_subject(B, "programs", "SetQuota"),
                    command_subject(A, "programs", "LaunchProgram")):
        await ana.refused(subject, b"{}")
        with pytest.raises((nats.errors.NoRespondersError, nats.errors.TimeoutError)):
            await ana.nc.request(subject, b"{}", timeout=1)
    eko = await secure.connect(region("jateng", "eko"))
    reply = await send(eko, B, "SetQuota", QUOTA, "region:jateng:eko")
    assert reply["ok"] is True, reply
    mine = await send(eko, B, "SetQuota", QUOTA, "region:jatim:ana")  # another's actor
    assert mine["error"]["code"] == "forbidden", mine
