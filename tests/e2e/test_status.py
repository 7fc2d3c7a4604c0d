"""`pulih status` on the real stack: the figures are /health's and the stream's own; `--json`
parses; a server that does not answer makes it exit 1 without showing a password."""

import json
import os
import subprocess
import sys
from dataclasses import replace

from deploy.embedded import free_port
from ops.status import gather
from ops.status_table import render
from services.reporting.projections import projections
from shared.envelope import STREAM
from tests.e2e.helpers import signing, uid

PULIH = [sys.executable, "-m", "ops.cli"]


def pulih_status(*args, **env):
    base = {k: v for k, v in os.environ.items() if not k.startswith("PULIH_")}
    return subprocess.run([*PULIH, "status", *args], env={**base, **env},
                          capture_output=True, text=True, timeout=60)


async def test_the_figures_are_health_and_the_stream_info(stack, nats_url, database_url,
                                                          prison_id):
    reply = await stack.command(prison_id, "agreements", "SignAgreement", signing(uid()))
    assert reply["ok"], reply
    await stack.caught_up(reply["events"][-1]["seq"])
    settings = replace(stack.rt.settings, nats_url=nats_url, database_url=database_url)
    report = await gather(settings, {"nats": (nats_url, "external"),
                                     "postgres": (database_url, "external")})
    health = (await stack.http.get("/health")).json()
    info = (await stack.nc.jetstream().stream_info(STREAM)).state

    assert report["projections"] == health["projections"]
    assert set(report["projections"]) == {p.name for p in projections()}
    assert report["stream"] == {"name": STREAM, "exists": True, "messages": info.messages,
                                "bytes": info.bytes, "first_seq": info.first_seq,
                                "last_seq": info.last_seq}
    assert info.last_seq == health["stream_last_seq"]
    assert all(s["reachable"] and s["error"] is None for s in report["servers"].values())
    assert report["problem"] is None and report["sites"] == []
    lines = render(report).splitlines()
    stream_row = next(line.split() for line in lines if line.startswith("stream"))
    assert stream_row[:7] == ["stream", STREAM, "ok", str(info.messages), str(info.bytes),
                              str(info.first_seq), str(info.last_seq)]
    # The e2e stack is shared: an earlier test may have parked events in this projection.
    shown = health["projections"]["agreements"]
    state = "parked" if shown["parked"] else "current"
    row = next(line.split() for line in lines if line.startswith("projection agreements"))
    assert row[2:6] == [state, str(shown["last_seq"]), "0", str(shown["parked"])]
    assert any(line.split()[:2] == ["sites", "none"] for line in lines)


def test_json_from_the_command_line(stack, nats_url, database_url):
    done = pulih_status("--json", PULIH_NATS_URL=nats_url, PULIH_DATABASE_URL=database_url)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["servers"]["nats"] == {"url": nats_url, "how": "external", "reachable": True,
                                         "error": None}
    assert report["servers"]["postgres"]["reachable"] is True
    assert report["stream"]["last_seq"] >= 1 and report["stream"]["exists"] is True
    # The command line reads the default read-model (`readmodel`): here none was ever built.
    assert all(p["last_seq"] == 0 and p["lag"] == report["stream"]["last_seq"]
               for p in report["projections"].values())


def test_unreachable_servers_exit_1_and_no_password_is_shown():
    done = pulih_status(PULIH_NATS_URL=f"nats://127.0.0.1:{free_port()}",
                        PULIH_DATABASE_URL=f"postgresql://pulih:s3cret@127.0.0.1:{free_port()}/x")
    assert done.returncode == 1, done.stderr
    assert "s3cret" not in done.stdout + done.stderr
    table = {line.split()[0] + " " + line.split()[1]: line for line in done.stdout.splitlines()}
    assert " DOWN " in table["server nats"] and " DOWN " in table["server postgres"]
    assert "postgresql://pulih@127.0.0.1" in table["server postgres"]
    assert " unknown " in table["stream unknown"]
    assert "ConnectionRefusedError" in table["server nats"]  # at once, not after a wait


def test_no_server_configured_nor_running(tmp_path):
    done = pulih_status("--json", PULIH_DATA_DIR=str(tmp_path))
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    assert {k: (s["url"], s["how"], s["reachable"]) for k, s in report["servers"].items()} == {
        "nats": (None, "none", False), "postgres": (None, "none", False)}
    assert report["stream"] is None
    assert not (tmp_path / "servers.json").exists()  # nothing was started
