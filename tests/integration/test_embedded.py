"""deploy.embedded: private servers start, keep their data across restarts and stop cleanly."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
import urllib.request
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit

import asyncpg
import nats
import psutil
import pytest

from deploy import embedded
from deploy.embedded import RESERVED_PORTS, RunningServer, free_port, start_nats, start_postgres

pytestmark = [pytest.mark.nats, pytest.mark.pg]

ROOT = Path(__file__).resolve().parents[2]


def port_of(url: str) -> int:
    port = urlsplit(url).port
    assert port is not None
    return port


def port_open(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
    except OSError:
        return False
    return True


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out after {timeout}s waiting for {what}"
        time.sleep(0.05)


def gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def assert_stopped(server: RunningServer) -> None:
    assert server.process.returncode == 0, server.process.returncode
    assert not port_open(port_of(server.url))


def test_free_port_is_bindable_and_never_reserved() -> None:
    for _ in range(50):
        port = free_port()
        assert port not in RESERVED_PORTS
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", port))


def test_free_port_skips_reserved_ports(monkeypatch: pytest.MonkeyPatch) -> None:
    offered = iter([4222, 5432, 6222, 8222, 8080, 40123])

    class FakeSocket:  # a kernel that keeps offering the ports we must never use
        def __init__(self, *args: object) -> None:
            pass

        def __enter__(self) -> FakeSocket:
            return self

        def __exit__(self, *exc: object) -> None:
            pass

        def bind(self, address: object) -> None:
            pass

        def getsockname(self) -> tuple[str, int]:
            return ("127.0.0.1", next(offered))

    fake_module = SimpleNamespace(socket=FakeSocket, AF_INET=0, SOCK_STREAM=0)
    monkeypatch.setattr(embedded, "socket", fake_module)  # only deploy.embedded sees the fake
    assert free_port() == 40123


async def test_restart_on_same_dir_keeps_stream_and_table(server_dir: Path) -> None:
    with ExitStack() as cleanup:
        nats_server, pg_server = start_nats(server_dir), start_postgres(server_dir)
        cleanup.callback(nats_server.stop)
        cleanup.callback(pg_server.stop)
        assert {port_of(nats_server.url), port_of(pg_server.url)}.isdisjoint(RESERVED_PORTS)
        assert pg_server.url.startswith("postgresql://postgres@127.0.0.1:")

        nc = await nats.connect(nats_server.url, allow_reconnect=False)
        js = nc.jetstream()
        await js.add_stream(name="EMBEDDED", subjects=["embedded.>"])
        ack = await js.publish("embedded.kept", b"still here")
        await nc.close()

        conn = await asyncpg.connect(pg_server.url)
        await conn.execute("CREATE TABLE kept (id int PRIMARY KEY, note text NOT NULL)")
        await conn.execute("INSERT INTO kept VALUES (1, 'still here')")
        await conn.close()

    for server in (nats_server, pg_server):
        assert_stopped(server)
        server.stop()  # idempotent
        assert_stopped(server)

    with ExitStack() as cleanup:
        nats_server, pg_server = start_nats(server_dir), start_postgres(server_dir)
        cleanup.callback(nats_server.stop)
        cleanup.callback(pg_server.stop)

        nc = await nats.connect(nats_server.url, allow_reconnect=False)
        msg = await nc.jetstream().get_msg("EMBEDDED", ack.seq)
        await nc.close()
        assert (msg.subject, msg.data) == ("embedded.kept", b"still here")

        conn = await asyncpg.connect(pg_server.url)
        assert await conn.fetchval("SELECT note FROM kept WHERE id = 1") == "still here"
        await conn.close()

    assert_stopped(nats_server)
    assert_stopped(pg_server)


def test_postgres_starts_despite_stale_postmaster_pid(server_dir: Path) -> None:
    server = start_postgres(server_dir)
    os.kill(server.process.pid, signal.SIGKILL)  # no shutdown: postmaster.pid stays behind
    server.process.wait()
    assert (server_dir / "pg" / "postmaster.pid").exists()

    again = start_postgres(server_dir)
    try:
        assert again.process.poll() is None
    finally:
        again.stop()
    assert_stopped(again)


@pytest.mark.skipif(os.geteuid() != 0, reason="only root has to switch users")
def test_postgres_as_root_runs_unprivileged(server_dir: Path) -> None:
    server = start_postgres(server_dir)
    try:
        process = psutil.Process(server.process.pid)
        assert process.username() == embedded.PG_SYSTEM_USER
        assert 0 not in (*process.uids(), *process.gids())
        groups = Path(f"/proc/{process.pid}/status").read_text().split("Groups:")[1]
        assert "0" not in groups.splitlines()[0].split()
    finally:
        server.stop()


@pytest.mark.parametrize("start", [start_nats, start_postgres])
def test_failed_start_raises_with_log_tail(
    start: Callable[[Path], RunningServer], server_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as taken:  # bound, not listening: the server cannot bind it
        taken.bind(("127.0.0.1", 0))
        monkeypatch.setattr(embedded, "free_port", lambda: taken.getsockname()[1])
        with pytest.raises(RuntimeError, match="(?i)address already in use"):
            start(server_dir)


def test_servers_die_with_their_parent(server_dir: Path) -> None:
    script = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(ROOT)!r})
        from pathlib import Path
        from deploy.embedded import start_nats, start_postgres
        servers = [start_nats(Path(sys.argv[1])), start_postgres(Path(sys.argv[1]))]
        print("SERVERS", *(f"{{s.process.pid}},{{s.url}}" for s in servers), flush=True)
        sys.stdin.read()
    """)
    args = [sys.executable, "-c", script, str(server_dir)]
    with subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) as parent:
        try:
            assert parent.stdout is not None
            for line in parent.stdout:  # structlog also writes its lines to stdout
                if line.startswith("SERVERS "):
                    break
            else:
                pytest.fail(f"helper exited early with {parent.wait()}")
            servers = [item.split(",", 1) for item in line.split()[1:]]
            assert len(servers) == 2
        finally:
            parent.kill()  # SIGKILL: no chance to clean up, only PR_SET_PDEATHSIG helps
            parent.wait()
    for pid, url in servers:
        wait_for(lambda pid=int(pid): gone(pid), f"server {url} to exit")
        assert not port_open(port_of(url))


async def test_fixtures_give_working_servers(nats_url: str, database_url: str) -> None:
    if "PULIH_NATS_URL" not in os.environ:
        assert port_of(nats_url) not in RESERVED_PORTS
    if "PULIH_DATABASE_URL" not in os.environ:
        assert port_of(database_url) not in RESERVED_PORTS

    nc = await nats.connect(nats_url, allow_reconnect=False)
    try:
        info = await nc.jetstream().account_info()  # fails unless JetStream is enabled
        assert info.limits is not None
        sub = await nc.subscribe("embedded.ping")
        await nc.publish("embedded.ping", b"pong")
        assert (await sub.next_msg(timeout=5)).data == b"pong"
    finally:
        await nc.close()

    conn = await asyncpg.connect(database_url)
    try:
        assert await conn.fetchval("SELECT current_database()") == urlsplit(database_url).path[1:]
        assert await conn.fetchval("SHOW server_encoding") == "UTF8"
    finally:
        await conn.close()


def varz(monitor_url: str | None) -> dict:
    assert monitor_url is not None
    with urllib.request.urlopen(f"{monitor_url}/varz", timeout=5) as response:
        return json.load(response)


def test_embedded_nats_syncs_every_write_and_says_so(server_dir: Path) -> None:
    """An acknowledged event must survive a power loss: nats-server itself reports that its
    JetStream syncs every write (its default would fsync every 2 minutes)."""
    server = start_nats(server_dir)
    try:
        reported = varz(server.monitor_url)
        assert reported["jetstream"]["config"]["sync_always"] is True
        assert reported["jetstream"]["config"]["store_dir"] == str(server_dir / "nats" /
                                                                   "jetstream")
        assert (reported["http_host"], reported["http_port"]) == (
            "127.0.0.1", port_of(server.monitor_url))  # loopback only
        assert port_of(server.monitor_url) not in RESERVED_PORTS
    finally:
        server.stop()
    reference = start_nats(server_dir, sync_always=False)  # the benchmark's reference
    try:
        assert "sync_always" not in varz(reference.monitor_url)["jetstream"]["config"]
    finally:
        reference.stop()


def test_the_tests_own_nats_server_is_durable_too(nats_url: str) -> None:
    """tests/conftest.py starts its server with deploy.embedded.start_nats: the suite runs on
    the durability Pulih ships (unless PULIH_NATS_URL names another server)."""
    if "PULIH_NATS_URL" in os.environ:
        return
    args = next(p.info["cmdline"] for p in psutil.process_iter(["name", "cmdline"])
                if p.info["name"] == "nats-server"
                and ["-p", str(port_of(nats_url))] in pairs(p.info["cmdline"] or []))
    monitor = f"http://127.0.0.1:{args[args.index('-m') + 1]}"
    assert varz(monitor)["jetstream"]["config"]["sync_always"] is True


def pairs(args: list[str]) -> list[list[str]]:
    return [args[i:i + 2] for i in range(len(args) - 1)]
