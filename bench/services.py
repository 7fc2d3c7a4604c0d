"""The four services, each as its own process (`python -m ops.cli run NAME`), on the bench's
servers: what an operator runs, and the only way to read each service's own RSS."""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import nats.errors
import orjson
import psutil
from nats.aio.client import Client

from bench.commands import MachineryError
from deploy.embedded import free_port
from shared.bus import command_subject

SERVICES = ("agreements", "programs", "attendance", "reporting")
_LIBC = ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None


def _die_with_parent() -> None:  # in the child, between fork and exec
    if _LIBC is not None:
        _LIBC.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class Services:
    def __init__(self, workdir: Path, nats_url: str, database_url: str,
                 credentials: Path | None = None, http_auth: bool = False):
        self.workdir, self.nats_url, self.database_url = workdir, nats_url, database_url
        self.credentials = credentials  # PULIH_NATS_CREDENTIALS: a `pulih auth init` dir
        self.http_auth = http_auth  # PULIH_HTTP_AUTH=on: the reports require a bearer token
        self.http_port = free_port()
        self.procs: dict[str, subprocess.Popen] = {}
        self.peak_sampled: dict[str, int] = {}

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    def start(self, names: tuple[str, ...] = SERVICES) -> None:
        """Start these services (all by default), or start one again after it died."""
        env = {**os.environ, "PULIH_NATS_URL": self.nats_url,
               "PULIH_DATABASE_URL": self.database_url, "PULIH_HTTP_PORT": str(self.http_port),
               "PULIH_DATA_DIR": str(self.workdir / "pulih")}
        env.pop("PULIH_NATS_CREDENTIALS", None)
        env.pop("PULIH_HTTP_AUTH", None)
        if self.credentials is not None:
            env["PULIH_NATS_CREDENTIALS"] = str(self.credentials)
        if self.http_auth:
            env["PULIH_HTTP_AUTH"] = "on"
        for name in names:
            out = (self.workdir / f"{name}.log").open("ab")
            self.procs[name] = subprocess.Popen(
                [sys.executable, "-m", "ops.cli", "run", name], env=env,
                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                preexec_fn=_die_with_parent, cwd=Path(__file__).resolve().parent.parent)
            out.close()

    def check_alive(self) -> None:
        for name, proc in self.procs.items():
            if proc.poll() is not None:
                raise MachineryError(f"service {name} exited with {proc.returncode}:\n"
                                     f"{self.tail(name)}")

    def tail(self, name: str, lines: int = 30) -> str:
        path = self.workdir / f"{name}.log"
        text = path.read_bytes().decode(errors="replace") if path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    async def wait_ready(self, nc: Client, http: httpx.AsyncClient, timeout: float = 60,
                         names: tuple[str, ...] | None = None,
                         prison: str = "bench-ready") -> None:
        """Each command service answers a request (a harmless malformed one, refused as
        `invalid`, writing nothing) and the reporting service answers /health."""
        deadline = time.monotonic() + timeout
        pending = set(self.procs if names is None else names)
        while pending:
            self.check_alive()
            if time.monotonic() > deadline:
                raise MachineryError(f"services not ready after {timeout}s: {sorted(pending)}")
            for name in sorted(pending):
                if await self._answers(nc, http, name, prison):
                    pending.discard(name)
            if pending:
                await asyncio.sleep(0.1)

    async def _answers(self, nc: Client, http: httpx.AsyncClient, name: str,
                       prison: str) -> bool:
        if name == "reporting":
            with contextlib.suppress(httpx.TransportError):
                return (await http.get("/health")).status_code == 200
            return False
        first = {"agreements": "SignAgreement", "programs": "LaunchProgram",
                 "attendance": "HoldSession"}[name]
        try:
            reply = await nc.request(command_subject(prison, name, first), b"{}", 1.0)
        except (nats.errors.NoRespondersError, nats.errors.TimeoutError):
            return False
        return orjson.loads(reply.data).get("ok") is False

    def sample_rss(self) -> dict[str, int]:
        """Current RSS per service (psutil), keeping the highest seen."""
        now = {}
        for name, proc in self.procs.items():
            with contextlib.suppress(psutil.Error):
                now[name] = psutil.Process(proc.pid).memory_info().rss
                self.peak_sampled[name] = max(self.peak_sampled.get(name, 0), now[name])
        return now

    def peak_rss(self) -> dict[str, int]:
        """The kernel's high-water mark of each process's RSS (VmHWM) since it started."""
        peaks = {}
        for name, proc in self.procs.items():
            try:
                status = Path(f"/proc/{proc.pid}/status").read_text()
            except OSError:
                peaks[name] = self.peak_sampled.get(name, 0)
                continue
            line = next(x for x in status.splitlines() if x.startswith("VmHWM:"))
            peaks[name] = int(line.split()[1]) * 1024
        return peaks

    async def sampler(self, every: float = 0.5) -> None:
        while True:
            self.sample_rss()
            await asyncio.sleep(every)

    def processes(self) -> dict[str, list[psutil.Process]]:
        """Every process of the run by role: the services, the bench itself, and our own
        nats-server and PostgreSQL (found by the work directory in their command lines)."""
        roles: dict[str, list[psutil.Process]] = {"bench": [psutil.Process()]}
        for name, proc in self.procs.items():
            with contextlib.suppress(psutil.Error):
                roles[name] = [psutil.Process(proc.pid)]
        for proc in psutil.process_iter(["name", "cmdline"]):
            cmdline = " ".join(proc.info["cmdline"] or ())
            if str(self.workdir) not in cmdline:
                continue
            if proc.info["name"] == "nats-server":
                roles["nats-server"] = [proc]
            elif proc.info["name"] == "postgres":
                with contextlib.suppress(psutil.Error):
                    roles["postgres"] = [proc, *proc.children(recursive=True)]
        return roles

    def cpu_seconds(self) -> dict[str, float]:
        """CPU seconds per role so far; a role's first process also counts its children that
        have exited (PostgreSQL backends come and go)."""
        out = {}
        for role, procs in self.processes().items():
            total = 0.0
            for i, proc in enumerate(procs):
                with contextlib.suppress(psutil.Error):
                    times = proc.cpu_times()
                    total += times.user + times.system
                    if i == 0 and role == "postgres":
                        total += times.children_user + times.children_system
            out[role] = total
        return out

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.procs.clear()
