"""Session-wide fixtures shared by the unit, integration and e2e tests.

Servers: ``nats_url`` and ``database_url`` point at the servers named by PULIH_NATS_URL /
PULIH_DATABASE_URL when set, otherwise at private servers started (lazily, once per session)
by ``deploy.embedded`` on free ports. The system NATS/PostgreSQL on 4222/5432 is never used.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import psutil
import pytest

# The project is not necessarily pip-installed into the venv: make `import shared` work anyway.
ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from deploy.embedded import RunningServer, start_nats, start_postgres  # noqa: E402


@pytest.fixture(scope="session")
def servers_root(request: pytest.FixtureRequest) -> Iterator[Path]:
    """Parent of all server data directories (and their logs): /tmp/pulih-servers-<pid>-*.

    Removed at the end of the session, unless a test failed: then it stays for inspection
    until a later session finds its pid dead. Deliberately not under pytest's basetemp: as
    root, PostgreSQL runs as an unprivileged user that must traverse every parent directory,
    and every pytest session that starts (a colleague's, concurrently) chmods
    /tmp/pytest-of-<user> back to 0700, breaking an initdb or a server start in progress.
    """
    for old in Path(tempfile.gettempdir()).glob("pulih-servers-*-*"):
        pid = old.name.split("-")[2]
        if pid.isdigit() and not psutil.pid_exists(int(pid)):
            shutil.rmtree(old, ignore_errors=True)
    root = Path(tempfile.mkdtemp(prefix=f"pulih-servers-{os.getpid()}-"))
    yield root
    if request.session.testsfailed == 0:
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def server_dir(servers_root: Path, request: pytest.FixtureRequest) -> Path:
    """A fresh, empty data directory for servers started by the test itself."""
    return Path(tempfile.mkdtemp(prefix=f"{request.node.name[:40]}-", dir=servers_root))


def _server_url(env_var: str, start: Callable[[Path], RunningServer], root: Path) -> Iterator[str]:
    """The URL from env_var if set, else a server started for the rest of the session."""
    if url := os.environ.get(env_var):
        yield url
        return
    server = start(Path(tempfile.mkdtemp(prefix=f"{start.__name__}-", dir=root)))
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture(scope="session")
def nats_url(servers_root: Path) -> Iterator[str]:
    yield from _server_url("PULIH_NATS_URL", start_nats, servers_root)


@pytest.fixture(scope="session")
def database_url(servers_root: Path) -> Iterator[str]:
    yield from _server_url("PULIH_DATABASE_URL", start_postgres, servers_root)
