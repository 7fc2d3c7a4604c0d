"""`pulih events import`: a whole export restored into a fresh server byte for byte (subjects,
headers, bodies, sequences), verified, and rebuilt into the same reports; refused, writing
nothing, when the export's seal is broken, when it is partial and when the log is not empty.
Real servers: the source log is written by the four services from the demo scenario."""

import asyncio
import base64
import hashlib
import os
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import replace
from pathlib import Path

import httpx
import nats
import orjson
import pytest
from nats.js.errors import NotFoundError

from deploy.demo import demo_id, program_id, run_scenario
from deploy.embedded import free_port, start_nats
from deploy.stack import installers
from ops.restore import restore
from ops.verify import verify_file
from shared.envelope import STREAM
from shared.runtime import Runtime
from shared.settings import Settings

PRISON = "lapas-restore"
PULIH = [sys.executable, "-m", "ops.cli"]
REPORTS = ["/agreements?prison_id=" + PRISON, f"/programs/{program_id(PRISON)}",
           f"/evaluation?prison_id={PRISON}", "/regional",
           f"/audit/agreement/{demo_id('agreement/lrppn-bi-2025', PRISON)}"]


def pulih(*args, url):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PULIH_")}
    return subprocess.run([*PULIH, *args], env={**env, "PULIH_NATS_URL": url},
                          capture_output=True, text=True, timeout=120)


async def serve_reports(nats_url, database_url, services, until_seq):
    """Run `services` on the log (the reporting one on a fresh schema: a rebuild from sequence
    1) until it has applied `until_seq`; every report's JSON."""
    settings = replace(Settings.from_env({}), http_port=free_port(),
                       readmodel_schema=f"restore_{uuid.uuid4().hex[:8]}")
    rt = Runtime(settings, nats_url, database_url)
    await rt.open()
    for name in services:
        installers()[name](rt)
    await rt.start()
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{settings.http_port}") as http:
            if until_seq is None:  # the caller writes the log first
                until_seq = max(e["seq"] for r in await run_scenario(rt.nc, PRISON)
                                for e in r["events"])
            await caught_up(http, until_seq)
            return until_seq, {path: (await http.get(path)).json() for path in REPORTS}
    finally:
        await rt.stop()


async def caught_up(http, seq, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            health = (await http.get("/health")).json()
            if min(p["last_seq"] for p in health["projections"].values()) >= seq:
                return
        except (httpx.TransportError, ValueError, KeyError):
            pass
        await asyncio.sleep(0.05)
    raise AssertionError(f"reporting did not apply seq {seq} within {timeout}s")


@pytest.fixture(scope="module")
async def source(servers_root, database_url):
    """A private server whose log the services wrote, its last sequence and the reports."""
    server = start_nats(Path(tempfile.mkdtemp(prefix="restore-src-", dir=servers_root)))
    last, reports = await serve_reports(server.url, database_url, list(installers()), None)
    yield server.url, last, reports
    server.stop()


@pytest.fixture
def fresh(server_dir):
    server = start_nats(server_dir)
    yield server.url
    server.stop()


@pytest.fixture(scope="module")
def exported(source, tmp_path_factory):
    path = tmp_path_factory.mktemp("export") / "log.jsonl"
    done = pulih("events", "export", "--out", str(path), url=source[0])
    assert done.returncode == 0, done.stderr
    return path


def _log_state(state):
    return state.messages, state.bytes, state.first_seq, state.last_seq


async def stored(url, last):
    """Every message as the server stores it (`STREAM.MSG.GET`: the raw header block and body,
    base64), and the stream's state and configuration."""
    nc = await nats.connect(url)
    try:
        messages = []
        for seq in range(1, last + 1):
            reply = await nc.request(f"$JS.API.STREAM.MSG.GET.{STREAM}",
                                     orjson.dumps({"seq": seq}), timeout=5)
            message = orjson.loads(reply.data)["message"]
            messages.append({k: message.get(k) for k in ("subject", "seq", "hdrs", "data")})
        info = await nc.jetstream().stream_info(STREAM)
        return messages, info.state, info.config
    finally:
        await nc.close()


async def stream_absent(url):
    nc = await nats.connect(url)
    try:
        with pytest.raises(NotFoundError):
            await nc.jetstream().stream_info(STREAM)
    finally:
        await nc.close()


async def test_a_whole_export_restores_byte_for_byte_and_rebuilds_the_same_reports(
        source, exported, fresh, database_url):
    url, last, reports = source
    imported = pulih("events", "import", str(exported), url=fresh)
    assert imported.returncode == 0, imported.stderr
    assert f"{last} events restored" in imported.stderr

    (original, _, config), (restored, new_state, new_config) = (
        await stored(url, last), await stored(fresh, last))
    assert restored == original  # subjects, sequences, header blocks and bodies, every byte
    assert b"Nats-Expected-Last-Subject-Sequence" in base64.b64decode(restored[-1]["hdrs"])
    assert (new_state.messages, new_state.first_seq, new_state.last_seq) == (last, 1, last)
    assert new_config == config  # created with the contract's configuration

    verified = pulih("audit", "verify", url=fresh)
    assert verified.returncode == 0 and verified.stdout.startswith("audit verify: OK"), (
        verified.stdout)
    _, rebuilt = await serve_reports(fresh, database_url, ["reporting"], last)
    assert rebuilt == reports
    assert rebuilt[f"/programs/{program_id(PRISON)}"]["sessions_held"] > 0

    again = pulih("events", "import", str(exported), url=fresh)
    assert again.returncode == 1 and "is not empty" in again.stderr
    assert (await stored(fresh, last))[1].last_seq == last  # nothing written


async def test_a_broken_seal_or_a_partial_export_is_refused_writing_nothing(
        source, exported, fresh, tmp_path):
    lines = exported.read_bytes().splitlines(keepends=True)
    at = lines[3].index(b'"envelope"') + 40
    flipped = bytearray(lines[3])
    flipped[at] ^= 0x01
    broken = {"a flipped byte": [*lines[:3], bytes(flipped), *lines[4:]],
              "no trailer": lines[:-1],
              "a line removed": [*lines[:3], *lines[4:]]}
    for what, content in broken.items():
        path = tmp_path / "broken.jsonl"
        path.write_bytes(b"".join(content))
        refused = pulih("events", "import", str(path), url=fresh)
        assert refused.returncode == 1, (what, refused.stderr)
        assert "refused: the export does not verify" in refused.stderr, what
        assert "BROKEN at line" in refused.stderr, what
        await stream_absent(fresh)  # not even created

    partial = tmp_path / "partial.jsonl"
    done = pulih("events", "export", "--from", "5", "--out", str(partial), url=source[0])
    assert done.returncode == 0, done.stderr
    refused = pulih("events", "import", str(partial), url=fresh)
    assert refused.returncode == 1 and "a partial export" in refused.stderr, refused.stderr
    await stream_absent(fresh)

    url, last, _ = source
    before = await stored(url, last)
    refused = pulih("events", "import", str(exported), url=url)
    assert refused.returncode == 1, refused.stderr
    assert f"stream PULIH_EVENTS is not empty ({last} messages" in refused.stderr
    after = await stored(url, last)
    # The log itself, not its consumer count: the stopped services' consumers are reaped by
    # the server on its own schedule, which is not a write.
    assert (after[0], after[2]) == (before[0], before[2])
    assert _log_state(after[1]) == _log_state(before[1])

    missing = pulih("events", "import", str(tmp_path / "nope.jsonl"), url=fresh)
    assert missing.returncode == 2 and "No such file" in missing.stderr


async def test_a_format_1_export_still_verifies_and_imports(source, exported, fresh, tmp_path):
    """Exports written before format 2 had no append times and no headers but the msg id."""
    url, last, _ = source
    lines = [orjson.loads(line) for line in exported.read_bytes().splitlines()]
    lines[0]["pulih_export"]["format"] = 1
    for line in lines[1:-1]:
        del line["time"], line["headers"]
    body = b"".join(orjson.dumps(line) + b"\n" for line in lines[:-1])
    lines[-1]["pulih_export_end"]["sha256"] = hashlib.sha256(body).hexdigest()
    old = tmp_path / "format1.jsonl"
    old.write_bytes(body + orjson.dumps(lines[-1]) + b"\n")
    assert verify_file(old).events == last

    nc = await nats.connect(fresh)
    try:
        assert (await restore(nc, old)).events == last
    finally:
        await nc.close()
    original, restored = (await stored(url, last))[0], (await stored(fresh, last))[0]
    assert [m["data"] for m in restored] == [m["data"] for m in original]
    first = base64.b64decode(restored[0]["hdrs"])
    assert first.startswith(b"NATS/1.0\r\nNats-Msg-Id: ") and first.count(b"\r\n") == 3
