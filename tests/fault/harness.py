"""The fault suite's machinery: real servers and services as OS processes, killed and restarted.

`Cluster` runs one nats-server (JetStream) and one PostgreSQL on a test's own data directory,
on fixed ports, so either can be killed with SIGKILL and started again on the same data and the
same URL; the four services run as separate processes (`python -m ops.cli run NAME`, what an
operator runs, via `bench.services.Services`) and are killed and restarted the same way.
Every wait is a condition with a deadline.
In either of two modes (tests/fault/modes.py): an open server, or `pulih auth init` identities.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import nats
import psutil
from nats.aio.client import Client

from bench.services import Services
from deploy.embedded import RunningServer, free_port, start_nats, start_postgres
from shared.credentials import REPORTING, connect_options, officer
from tests.fault import modes
from tests.fault.modes import CREDENTIALS, OFFICER, OPEN, OPEN_ACTOR

ROOT = Path(__file__).resolve().parents[2]
PULIH = [sys.executable, "-m", "ops.cli"]
FIGURES: list[Figure] = []  # every test's figures, printed in a table at the end of the run


@dataclass
class Figure:
    """What one fault test measured: the README's reliability table, one row."""

    fault: str
    mode: str = OPEN
    sent: int = 0
    acked: int = 0
    retried: int = 0
    events: int = 0
    lost: int = 0
    doubled: int = 0
    recovery_s: list[float] = field(default_factory=list)
    note: str = ""

    def row(self) -> str:
        recovery = ", ".join(f"{s:.2f}" for s in self.recovery_s) or "-"
        return (f"{self.fault} | {self.mode} | {self.sent} | {self.acked} | {self.retried} | "
                f"{self.events} | {self.lost} | {self.doubled} | {recovery} | {self.note}")


def record(figure: Figure) -> Figure:
    FIGURES.append(figure)
    print(f"\nFAULT FIGURE: {figure.row()}")
    return figure


async def until(probe: Callable[[], Awaitable[object]], timeout: float, what: str,
                every: float = 0.05) -> object:
    """Poll `probe` until it returns something truthy (its result); fail naming `what` after
    `timeout`, a probe stuck in its own wait included."""
    async def poll() -> object:
        while not (result := await probe()):
            await asyncio.sleep(every)
        return result

    try:
        return await asyncio.wait_for(poll(), timeout)
    except TimeoutError:
        raise AssertionError(f"{what}: not reached within {timeout}s") from None


class Cluster:
    """Servers and services of one test, in one of `modes.MODES`. `nc` (the test's reads: stream
    info, the log) and `http` are the test's own clients; `route(prison)` is the connection and
    actor for that prison's commands."""

    def __init__(self, data_dir: Path, mode: str = OPEN, prisons: tuple[str, ...] = ()):
        self.dir, self.mode, self.prisons = data_dir, mode, prisons
        self.credentials = data_dir / "identities" if mode == CREDENTIALS else None
        self.nats_port, self.pg_port = free_port(), free_port()
        self.nats: RunningServer | None = None
        self.pg: RunningServer | None = None
        self.services: Services | None = None
        self.nc: Client | None = None
        self.officers: dict[str, Client] = {}  # prison → its officer's connection
        self.probed = 0  # violations logged by the start's own probe (`modes.refused`)
        self.http: httpx.AsyncClient | None = None

    @property
    def nats_url(self) -> str:
        return f"nats://127.0.0.1:{self.nats_port}"

    @property
    def database_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.pg_port}/pulih"

    def env(self) -> dict[str, str]:
        base = {k: v for k, v in os.environ.items() if not k.startswith("PULIH_")}
        secure = {} if self.credentials is None else {
            "PULIH_NATS_CREDENTIALS": str(self.credentials)}
        return {**base, "PULIH_NATS_URL": self.nats_url, "PULIH_DATABASE_URL": self.database_url,
                "PULIH_DATA_DIR": str(self.dir / "pulih"), **secure}

    def route(self, prison: str) -> tuple[Client, str]:
        """The connection `prison`'s commands go through and the actor they carry."""
        if self.credentials is None:
            return self.nc, OPEN_ACTOR
        return self.officers[prison], modes.actor(prison)

    async def start(self, names: tuple[str, ...] = ("agreements", "programs", "attendance",
                                                    "reporting")) -> Cluster:
        headers = {} if self.credentials is None else modes.init(self.credentials, self.prisons)
        self.nats = start_nats(self.dir, self.nats_port, auth=self.credentials)
        self.pg = start_postgres(self.dir, self.pg_port)
        self.services = Services(self.dir, self.nats_url, self.database_url, self.credentials,
                                 http_auth=self.credentials is not None)
        self.services.start(names)
        self.nc = await self._connect(REPORTING, "fault-test")
        if self.credentials is not None:
            for prison in self.prisons:
                self.officers[prison] = await self._connect(officer(prison, OFFICER),
                                                            f"fault-officer-{prison}")
        self.http = httpx.AsyncClient(base_url=self.services.base_url, timeout=30,
                                      headers=headers)
        prison = self.prisons[0] if self.prisons else "bench-ready"
        await self.services.wait_ready(self.route(prison)[0], self.http, timeout=120,
                                       prison=prison)
        if self.credentials is not None:
            await modes.refused(self.nats_url, self.services.base_url)
            self.probed = len(self.violations())  # that refusal, logged: not the test's
        return self

    async def _connect(self, identity: str, name: str) -> Client:
        """A connection that reconnects for ever (servers are killed), as `identity` when the
        mode has credentials."""
        return await nats.connect(self.nats_url, max_reconnect_attempts=-1,
                                  reconnect_time_wait=0.1, name=name,
                                  **connect_options(self.credentials, identity))

    async def stop(self) -> None:
        if self.http is not None:
            await self.http.aclose()
        for nc in (self.nc, *self.officers.values()):
            if nc is not None:
                with contextlib.suppress(Exception):
                    await nc.close()
        if self.services is not None:
            self.services.stop()
        for server in (self.pg, self.nats):
            if server is not None:
                server.stop()

    def violations(self) -> list[str]:
        """The permission and authentication violations nats-server logged (only a server with
        accounts has any): under faults, every component must stay within its identity's
        rights and reconnect with valid credentials."""
        return modes.violations(self.nats.log_path)[self.probed:] if self.nats else []

    # -- faults ------------------------------------------------------------------------------

    async def kill_service(self, name: str) -> None:
        """SIGKILL one service process, wait until it is gone."""
        process = self.services.procs[name]
        process.send_signal(signal.SIGKILL)
        await asyncio.to_thread(process.wait, 30)

    def restart_service(self, name: str) -> float:
        """Start it again after a kill; the monotonic time it was started."""
        self.services.start((name,))
        return time.monotonic()

    async def kill_nats(self) -> None:
        self.nats.process.send_signal(signal.SIGKILL)
        await asyncio.to_thread(self.nats.process.wait, 30)

    def restart_nats(self) -> float:
        """Start it again on its data and port; the monotonic time it was up."""
        self.nats = start_nats(self.dir, self.nats_port, auth=self.credentials)
        return time.monotonic()

    async def kill_postgres(self) -> None:
        """SIGKILL the postmaster and every backend (its own process group), as a crash does."""
        backends = psutil.Process(self.pg.process.pid).children(recursive=True)
        os.killpg(self.pg.process.pid, signal.SIGKILL)
        await asyncio.to_thread(self.pg.process.wait, 30)
        await asyncio.to_thread(psutil.wait_procs, backends, 30)

    def restart_postgres(self) -> float:
        """Start it again on its data and port (crash recovery); the monotonic time it was up."""
        self.pg = start_postgres(self.dir, self.pg_port)
        return time.monotonic()

    # -- observations --------------------------------------------------------------------------

    async def health(self) -> dict | None:
        """/health when it answers 200, else None."""
        try:
            response = await self.http.get("/health", timeout=5)
        except httpx.TransportError:
            return None
        return response.json() if response.status_code == 200 else None

    async def caught_up(self, seq: int, timeout: float = 120) -> float:
        """Wait until the reporting service answers /health with every projection at or past
        `seq`; the monotonic time it did."""

        async def probe():
            health = await self.health()
            return health is not None and all(
                p["last_seq"] >= seq for p in health["projections"].values())

        await until(probe, timeout, f"reporting caught up with seq {seq}")
        return time.monotonic()

    async def stream_last_seq(self) -> int:
        return (await self.nc.jetstream().stream_info("PULIH_EVENTS")).state.last_seq

    async def pulih(self, *args: str, timeout: float = 180) -> tuple[int, str]:
        """Run a `pulih` command against this cluster; its exit code and its output's tail."""
        process = await asyncio.create_subprocess_exec(
            *PULIH, *args, env=self.env(), cwd=ROOT, stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
        try:
            out, _ = await asyncio.wait_for(process.communicate(), timeout)
        except TimeoutError:
            process.kill()
            await process.wait()
            raise AssertionError(f"pulih {' '.join(args)}: still running after {timeout}s") \
                from None
        return process.returncode, out.decode(errors="replace")[-4000:]

