"""The README's own commands, as subprocesses: `pulih up --demo` and one service on its own."""

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
import uuid

import httpx
import nats
import orjson
import pytest

from deploy.embedded import free_port, start_nats

PULIH = [sys.executable, "-m", "ops.cli"]


def wait_for(probe, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = probe()
        if result:
            return result
        time.sleep(0.1)
    raise AssertionError(f"not reached within {timeout}s")


def stop(process):
    process.send_signal(signal.SIGINT)
    return process.wait(timeout=60)


def env(**extra):
    base = {k: v for k, v in os.environ.items() if not k.startswith("PULIH_")}
    return {**base, **extra}


def agreements(port):
    try:
        response = httpx.get(f"http://127.0.0.1:{port}/agreements?prison_id=lapas-banyuwangi")
        items = response.json()["items"]
    except (httpx.TransportError, ValueError, KeyError):
        return None
    return items if len(items) == 3 else None


def demo_loaded(log_path, port):
    """Banyuwangi's agreements, once the whole demo region is loaded (its log says so)."""
    return '"event": "demo_loaded"' in log_path.read_text() and agreements(port)


def test_pulih_up_demo_with_embedded_servers(tmp_path):
    port = free_port()
    # The log goes to a file: a pipe nobody reads would fill up and block the service.
    logfile = (tmp_path / "pulih.log").open("wb")
    process = subprocess.Popen(
        [*PULIH, "up", "--demo"], env=env(PULIH_DATA_DIR=str(tmp_path), PULIH_HTTP_PORT=str(port)),
        stdout=subprocess.DEVNULL, stderr=logfile)
    try:
        items = wait_for(lambda: demo_loaded(tmp_path / "pulih.log", port), 240)
        servers = json.loads((tmp_path / "servers.json").read_text())
    finally:
        code = stop(process)
    logfile.close()
    log = (tmp_path / "pulih.log").read_text()
    assert code == 0, log[-3000:]
    assert {i["partner_id"] for i in items} == {"ipwl-lrppn-bi-banyuwangi", "yayasan-gennesa"}
    assert sorted(i["status"] for i in items) == ["active", "active", "terminated"]
    assert '"event": "demo_loaded"' in log and "command_accepted" in log
    assert not (tmp_path / "servers.json").exists()  # embedded servers stopped and withdrawn
    assert all(":4222" not in url and ":5432" not in url for url in servers.values())


@pytest.fixture
def private_nats(tmp_path):
    """Its own server: the session's one also carries the in-process stack, which would
    answer these commands itself and hide whether the subprocess does."""
    server = start_nats(tmp_path)
    yield server.url
    server.stop()


@pytest.mark.parametrize("service", ["agreements"])
def test_one_service_runs_on_its_own(private_nats, service, tmp_path):
    nats_url = private_nats
    logfile = (tmp_path / "pulih.log").open("wb")
    process = subprocess.Popen([*PULIH, "run", service], env=env(PULIH_NATS_URL=nats_url),
                               stdout=subprocess.DEVNULL, stderr=logfile)

    async def terminate_unknown():
        nc = await nats.connect(nats_url)
        try:
            body = {"command_id": str(uuid.uuid4()), "actor": "officer:test", "data": {
                "agreement_id": str(uuid.uuid4()), "terminated_on": "2025-01-01", "reason": "x"}}
            reply = await nc.request("pulih.commands.lapas-solo.agreements.TerminateAgreement",
                                     orjson.dumps(body), timeout=2)
            return orjson.loads(reply.data)
        except nats.errors.NoRespondersError:
            return None
        finally:
            await nc.close()

    try:
        reply = wait_for(lambda: asyncio.run(terminate_unknown()), 30)
    finally:
        code = stop(process)
    assert reply["ok"] is False and reply["error"]["code"] == "not_found"
    logfile.close()
    assert code == 0, (tmp_path / "pulih.log").read_text()[-3000:]


def test_a_bad_variable_stops_pulih_with_one_line_per_variable_and_no_password():
    done = subprocess.run(
        [*PULIH, "up"], capture_output=True, text=True, timeout=60,
        env=env(PULIH_HTTP_PORT="abc", PULIH_DATABASE_URL="postgresql://u:s3cret@h:99999/x",
                PULIH_EXPIRY_CHECK_SECONDS="0"))
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert lines[0] == "pulih: PULIH_HTTP_PORT must be an integer port 1–65535, got 'abc'"
    assert "PULIH_EXPIRY_CHECK_SECONDS must be a positive number of seconds" in done.stderr
    assert "Traceback" not in done.stderr and "s3cret" not in done.stderr


def test_reports_open_to_the_network_without_a_token_key_stop_with_one_line(tmp_path):
    server = start_nats(tmp_path / "nats")
    try:
        done = subprocess.run(
            [*PULIH, "run", "reporting"], capture_output=True, text=True, timeout=120,
            env=env(PULIH_NATS_URL=server.url, PULIH_DATA_DIR=str(tmp_path),
                    PULIH_HTTP_HOST="0.0.0.0", PULIH_HTTP_PORT=str(free_port())))
    finally:
        server.stop()
    assert done.returncode == 2, done.stderr
    assert "PULIH_HTTP_AUTH is on" in done.stderr and "Traceback" not in done.stderr
