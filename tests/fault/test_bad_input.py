"""Hypothesis-generated bad input for every command schema, sent over NATS to the four
services running as separate processes (`pulih run …`) on their own nats-server: every
request is answered with the contract's error body, nothing is written to the log, no service
dies, and the reports still answer. Prints its figure: cases sent, replies by error code.

In both modes (tests/fault/harness.py): with credentials the cases are sent by the officer of
their prison, and a case addressed to another prison (`bad_prison`) never reaches a service:
nats-server refuses it (a permission violation to the sender, no reply)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

import asyncpg
import httpx
import nats
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deploy.embedded import free_port, start_nats
from ops.auth_cli import write
from shared.bus import command_subject
from shared.credentials import REPORTING, connect_options, officer
from shared.envelope import STREAM
from tests.fault.bad_input import PRISON, SERVICE, VALID, bad_request
from tests.fault.modes import CREDENTIALS, MODES, OFFICER, OPEN_ACTOR, actor
from tests.integration.secure import Conn

pytestmark = [pytest.mark.fault, pytest.mark.timeout(180)]
CASES = 2_000
SERVICES = ("agreements", "programs", "attendance", "reporting")
ROOT = Path(__file__).resolve().parents[2]


def _cases(n: int) -> list[tuple[str, str, str, bytes]]:
    out: list[tuple[str, str, str, bytes]] = []

    @settings(max_examples=n, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(st.data())
    def collect(data):
        out.append(data.draw(bad_request()))

    collect()
    return out


@pytest.fixture(params=MODES)
async def services(server_dir, database_url, request):
    """nats-server of its own (the e2e stack's services share the session's), a database of
    its own, and the four services as processes; the sender (`Conn`: its permission violations
    recorded), a reader of the log, whether credentials are on, and the reports' URL."""
    secure = request.param == CREDENTIALS
    creds = server_dir / "identities" if secure else None
    if secure:
        write(creds, officers=[f"{PRISON}:{OFFICER}"])
    server = start_nats(server_dir, auth=creds)
    database = f"fault_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(database_url)
    await admin.execute(f'CREATE DATABASE "{database}"')
    await admin.close()
    port = free_port()
    env = {**os.environ, "PULIH_NATS_URL": server.url, "PULIH_HTTP_PORT": str(port),
           "PULIH_DATABASE_URL": database_url.rsplit("/", 1)[0] + f"/{database}",
           "PULIH_DATA_DIR": str(server_dir), "PYTHONPATH": str(ROOT),  # this checkout's code
           **({"PULIH_NATS_CREDENTIALS": str(creds)} if secure else {})}
    pulih = Path(sys.executable).parent / "pulih"
    procs = {name: subprocess.Popen([str(pulih), "run", name], env=env,
                                    stdout=(server_dir / f"{name}.log").open("wb"),
                                    stderr=subprocess.STDOUT) for name in SERVICES}
    sender = Conn(None)

    async def violation(error: Exception) -> None:
        sender.violations.append(str(error))

    sender.nc = await nats.connect(server.url, error_cb=violation,
                                   **connect_options(creds, officer(PRISON, OFFICER)))
    reader = await nats.connect(server.url, **connect_options(creds, REPORTING))
    try:
        yield sender, reader, secure, procs, f"http://127.0.0.1:{port}"
    finally:
        await sender.nc.close()
        await reader.close()
        for proc in procs.values():
            proc.terminate()
        for proc in procs.values():
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
        server.stop()


async def _request(nc, subject: str, body: bytes) -> dict:
    reply = await nc.request(subject, body, timeout=10)
    return orjson.loads(reply.data)


async def _until(probe, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while True:
        try:
            if result := await probe():
                return result
        except (nats.errors.Error, httpx.TransportError):
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"not ready within {timeout}s")
        await asyncio.sleep(0.1)


async def _ready(nc, http: httpx.AsyncClient) -> None:
    for service in ("agreements", "programs", "attendance"):
        name = next(n for n, s in SERVICE.items() if s == service)
        await _until(lambda n=name, s=service: _request(nc, command_subject(PRISON, s, n),
                                                        b"{}"))
    await _until(lambda: _ok(http.get("/health")))


async def _ok(response) -> bool:
    return (await response).status_code == 200


async def test_bad_input_is_refused_structurally_and_writes_nothing(services):
    sender, reader, secure, procs, url = services
    nc, sender_actor = sender.nc, actor(PRISON) if secure else OPEN_ACTOR
    cases = _cases(CASES)
    started = time.monotonic()
    async with httpx.AsyncClient(base_url=url, timeout=10) as http:
        await _ready(nc, http)
        js = reader.jetstream()
        before = (await js.stream_info(STREAM)).state.last_seq
        codes: Counter[str] = Counter()
        kinds: Counter[str] = Counter()
        bad: list[tuple[str, str, dict]] = []
        for kind, name, prison, body in cases:
            kinds[kind] += 1
            subject = command_subject(prison, SERVICE[name], name)
            if secure and prison != PRISON:  # not the sender's prison: the server refuses it
                sender.violations.clear()
                await sender.refused(subject, body)
                codes["refused by nats-server"] += 1
                continue
            reply = await _request(nc, subject, body)
            error = reply.get("error") or {}
            codes[error.get("code", "ok" if reply.get("ok") else "?")] += 1
            # Every case breaks the schema: `invalid`, whatever the aggregate's state.
            if reply.get("ok") is not False or error.get("code") != "invalid" or not (
                    isinstance(error.get("message"), str)
                    and isinstance(error.get("details"), list)):
                bad.append((kind, name, reply))
        after = (await js.stream_info(STREAM)).state.last_seq
        alive = {name: proc.poll() is None for name, proc in procs.items()}
        reports = [(await http.get(path)).status_code
                   for path in ("/health", "/agreements", "/evaluation", "/regional")]
        # And the services still work: one valid command is accepted.
        sender.violations.clear()
        valid = await _request(nc, command_subject(PRISON, "programs", "RegisterParticipant"),
                               orjson.dumps({"command_id": str(uuid.uuid4()),
                                             "actor": sender_actor,
                                             "expected_version": None,
                                             "data": {**VALID["RegisterParticipant"],
                                                      "participant_id": str(uuid.uuid4())}}))
    seconds = time.monotonic() - started
    print(f"\nbad input: {len(cases)} cases in {seconds:.1f} s, replies by code "
          f"{dict(codes)}, by kind {dict(kinds)}; log last_seq {before} -> {after}; "
          f"services alive {alive}; reports {reports}")
    assert not bad, bad[:5]
    assert after == before
    assert all(alive.values()) and reports == [200] * 4
    assert valid.get("ok") is True, valid
    assert sender.violations == []
    assert codes["refused by nats-server"] == (kinds["bad_prison"] if secure else 0)
    assert seconds < 60
