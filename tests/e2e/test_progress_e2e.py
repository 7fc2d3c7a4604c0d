"""Progress of the long commands on a log of a few thousand events: on stderr when asked for
(PULIH_PROGRESS=lines), nothing in a pipe when not (a short command), and stdout unchanged —
an export's bytes are the same with and without it."""

import io
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import nats
import pytest

from bench.workload import log_of, publish
from deploy.embedded import start_nats
from ops.events import export
from ops.verify import verify_lines
from services.reporting.rebuild import replay
from shared.jetstream import ensure_stream
from shared.settings import Settings

EVENTS = 3000
PULIH = [sys.executable, "-m", "ops.cli"]
SHOWN = {"PULIH_PROGRESS": "lines", "PULIH_PROGRESS_SECONDS": "0"}


def pulih(*args, url, **env):
    base = {k: v for k, v in os.environ.items() if not k.startswith("PULIH_")}
    return subprocess.run([*PULIH, *args], env={**base, "PULIH_NATS_URL": url, **env},
                          capture_output=True, timeout=300)


def progress_lines(stderr: bytes, what: str) -> list[str]:
    """The progress lines (`WHAT: DONE/TOTAL …`), not the command's own summary."""
    pattern = re.compile(re.escape(what) + r": [\d,.]+/[\d,.]+ ")
    return [line for line in stderr.decode().splitlines() if pattern.match(line)]


def last_line_says(lines: list[str], done: str) -> bool:
    return bool(lines) and lines[-1].startswith(done) and "done in" in lines[-1]


@pytest.fixture(scope="module")
async def big_log(servers_root):
    server = start_nats(Path(tempfile.mkdtemp(prefix="progress-", dir=servers_root)))
    nc = await nats.connect(server.url)
    await ensure_stream(nc)
    assert await publish(nc, log_of(EVENTS)) == EVENTS
    await nc.close()
    yield server.url
    server.stop()


@pytest.fixture(scope="module")
def exported(big_log, tmp_path_factory):
    path = tmp_path_factory.mktemp("progress") / "log.jsonl"
    done = pulih("events", "export", "--out", str(path), url=big_log, **SHOWN)
    assert done.returncode == 0, done.stderr
    lines = progress_lines(done.stderr, "pulih events export")
    assert len(lines) >= 2 and last_line_says(lines, f"pulih events export: {EVENTS:,}/"
                                              f"{EVENTS:,} events (100%)")
    return path


def test_export_to_stdout_is_unchanged_by_progress(big_log, exported):
    shown = pulih("events", "export", url=big_log, **SHOWN)
    quiet = pulih("events", "export", url=big_log)  # a pipe, auto: a short export says nothing
    assert shown.returncode == quiet.returncode == 0, shown.stderr + quiet.stderr
    assert quiet.stderr == b"" and progress_lines(shown.stderr, "pulih events export")
    assert shown.stdout.count(b"\n") == EVENTS + 2
    # Every line but the header's export time and the trailer's digest of it: the same bytes.
    assert shown.stdout.splitlines()[1:-1] == quiet.stdout.splitlines()[1:-1]
    assert shown.stdout.splitlines()[1:-1] == exported.read_bytes().splitlines()[1:-1]
    for out in (shown.stdout, quiet.stdout):
        assert verify_lines(io.BytesIO(out)).events == EVENTS


async def test_export_bytes_identical_with_and_without_progress(big_log, monkeypatch):
    at = datetime(2026, 12, 5, tzinfo=UTC)
    outputs = []
    for mode in ("off", "lines"):
        monkeypatch.setenv("PULIH_PROGRESS", mode)
        monkeypatch.setenv("PULIH_PROGRESS_SECONDS", "0")
        nc = await nats.connect(big_log)
        out = io.BytesIO()
        assert await export(nc, out, now=lambda: at) == EVENTS
        await nc.close()
        outputs.append(out.getvalue())
    assert outputs[0] == outputs[1]


def test_verify_live_and_file_show_progress(big_log, exported):
    live = pulih("audit", "verify", url=big_log, **SHOWN)
    assert live.returncode == 0, live.stderr
    assert live.stdout.startswith(f"audit verify: OK — the whole log (PULIH_EVENTS): "
                                  f"{EVENTS} events".encode())
    assert last_line_says(progress_lines(live.stderr, "pulih audit verify"),
                          f"pulih audit verify: {EVENTS:,}/{EVENTS:,} events (100%)")
    filed = pulih("audit", "verify", "--file", str(exported), url=big_log, **SHOWN)
    assert filed.returncode == 0, filed.stderr
    lines = progress_lines(filed.stderr, f"pulih audit verify {exported.name}")
    size = exported.stat().st_size / 2**20
    assert last_line_says(lines, f"pulih audit verify {exported.name}: {size:,.1f}/"
                                 f"{size:,.1f} MiB (100%)")
    assert filed.stdout.startswith(b"audit verify: OK")  # the report alone on stdout
    assert b"MiB" not in filed.stdout + live.stdout


def test_import_shows_progress(exported, server_dir):
    server = start_nats(server_dir)
    try:
        done = pulih("events", "import", str(exported), url=server.url, **SHOWN)
    finally:
        server.stop()
    assert done.returncode == 0, done.stderr
    assert last_line_says(progress_lines(done.stderr, "pulih events import"),
                          f"pulih events import: {EVENTS:,}/{EVENTS:,} events (100%)")
    assert f"{EVENTS} events restored".encode() in done.stderr


async def test_replay_shows_progress(big_log, database_url, monkeypatch, capsys):
    for name, value in SHOWN.items():
        monkeypatch.setenv(name, value)
    settings = replace(Settings.from_env({}), readmodel_schema="progress_replay")
    assert await replay(settings, big_log, database_url) == 0
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.startswith("pulih replay → ")]
    assert lines and lines[-1].startswith("pulih replay → progress_replay_rebuild_")
    assert f": {EVENTS:,}/{EVENTS:,} events (100%)" in lines[-1]
    assert all("\r" not in line for line in lines)
