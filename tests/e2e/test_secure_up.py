"""`pulih up --demo` with embedded servers is secure by default: identities are created under
the data dir, the embedded nats-server admits only them, the demo loads through an officer
per prison (its events carry the officer's actor; the Kanwil's quotas, the region identity's),
and the operator commands work on it."""

import asyncio
import json
import stat
import subprocess

import nats
import nats.errors
import orjson
import pytest

from deploy.embedded import free_port
from tests.e2e.test_cli import PULIH, agreements, demo_loaded, env, stop, wait_for

ACTOR = "officer:lapas-banyuwangi:demo"
REGION = "region:kanwil-jatim:demo"  # the Kanwil's assignment and quotas


async def refused_without_credentials(url):
    with pytest.raises((nats.errors.NoServersError, nats.errors.Error)):
        await nats.connect(url, allow_reconnect=False, connect_timeout=2)


def test_pulih_up_demo_is_secure_by_default(tmp_path):
    port = free_port()
    logfile = (tmp_path / "pulih.log").open("wb")
    variables = env(PULIH_DATA_DIR=str(tmp_path), PULIH_HTTP_PORT=str(port))
    process = subprocess.Popen([*PULIH, "up", "--demo"], env=variables,
                               stdout=subprocess.DEVNULL, stderr=logfile)
    try:
        items = wait_for(lambda: demo_loaded(tmp_path / "pulih.log", port), 240)
        servers = json.loads((tmp_path / "servers.json").read_text())
        asyncio.run(refused_without_credentials(servers["nats"]))
        export = subprocess.run([*PULIH, "events", "export", "--prison", "lapas-banyuwangi"],
                                env=variables, capture_output=True, timeout=120, check=False)
        verify = subprocess.run([*PULIH, "audit", "verify"], env=variables,
                                capture_output=True, text=True, timeout=120, check=False)
        replay = subprocess.run([*PULIH, "replay"], env=variables, capture_output=True,
                                text=True, timeout=120, check=False)
        after_replay = agreements(port)
    finally:
        code = stop(process)
    logfile.close()
    log = (tmp_path / "pulih.log").read_text()
    assert code == 0, log[-3000:]
    assert len(items) == 3

    identities = tmp_path / "identities"
    assert stat.S_IMODE(identities.stat().st_mode) == 0o700
    facts = {i["public_key"]: i for i in json.loads(
        (identities / "identities.json").read_text())["identities"]}
    assert {i["role"] for i in facts.values()} == {"services", "reporting", "admin",
                                                   "officer", "subscriber", "region"}
    for seed in identities.glob("*.nk"):
        assert stat.S_IMODE(seed.stat().st_mode) == 0o600
        assert seed.read_text().strip() not in log  # paths are logged, never a seed
    assert "nats_credentials" in log and "officer-lapas-banyuwangi-demo.nk" in log

    assert export.returncode == 0, export.stderr[-2000:]
    events = [orjson.loads(line) for line in export.stdout.splitlines()[1:-1]]
    assert events and {e["envelope"]["actor"] for e in events} == {ACTOR, REGION}
    assert {e["envelope"]["actor"] for e in events
            if e["envelope"]["aggregate_type"] == "prison"} == {REGION}
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert replay.returncode == 0, replay.stderr[-2000:]
    assert after_replay is not None and len(after_replay) == 3
