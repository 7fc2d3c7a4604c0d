"""What authentication costs a command: one client's latency on an open nats-server and on one
with the identities of `pulih auth init`, in the same run.

Two small stacks side by side, alike but for credentials: a nats-server of their own (syncing
every write, as Pulih ships it) and the three command services as processes. On the open one the
client connects as today; on the other the streams are created as `admin`, the services connect
as `services` (PULIH_NATS_CREDENTIALS) and the client as an officer of each prison
(`nats.connect(url, **connect_options(creds, officer(prison, name)))`), its commands carrying
`actor: officer:{prison}:{name}` on that prison's subjects: the path through the prison's
account, the service import and the actor check. The rounds alternate between the two stacks
so that other tenants of this shared machine weigh on both alike; every latency is pooled.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import nats
from nats.aio.client import Client

from bench.commands import Bus, Failures, Load, drive
from bench.scenario import Scenario
from bench.services import Services
from deploy.embedded import RunningServer, start_nats
from ops.auth_cli import write
from shared.credentials import connect_options, ensure_streams, officer
from shared.jetstream import ensure_stream

COMMAND_SERVICES = ("agreements", "programs", "attendance")
OFFICER = "bench"
ROUNDS = 5


class OfficerBus(Bus):
    """Each prison's commands through its own connection, with its officer as the actor."""

    def __init__(self, connections: dict[str, Client], failures: Failures):
        super().__init__(next(iter(connections.values())), failures)
        self.connections = connections

    def route(self, prison: str) -> tuple[Client, str]:
        return self.connections[prison], f"officer:{prison}:{OFFICER}"


class Stack:
    """A nats-server, the command services on it and the client's connections."""

    def __init__(self, workdir: Path, database_url: str, credentials: Path | None,
                 failures: Failures):
        self.workdir, self.database_url, self.credentials = workdir, database_url, credentials
        self.failures, self.scenario = failures, Scenario(prisons=1, programs_per_prison=4)
        self.prisons = sorted({p.prison_id for p in self.scenario.programs})
        self.server: RunningServer | None = None
        self.services: Services | None = None
        self.connections: dict[str, Client] = {}
        self.bus: Bus | None = None

    async def start(self) -> None:
        creds = self.credentials
        if creds is not None:
            write(creds, officers=[f"{p}:{OFFICER}" for p in self.prisons])
        self.server = start_nats(self.workdir, auth=creds)
        url = self.server.url
        if creds is None:
            nc = await nats.connect(url, name="pulih-bench-auth")
            await ensure_stream(nc)
            self.connections = dict.fromkeys(self.prisons, nc)
        else:
            await ensure_streams(url, creds)  # as admin
            for prison in self.prisons:
                self.connections[prison] = await nats.connect(
                    url, name="pulih-bench-officer",
                    **connect_options(creds, officer(prison, OFFICER)))
        self.services = Services(self.workdir, url, self.database_url, creds)
        self.services.start(COMMAND_SERVICES)
        self.bus = OfficerBus(self.connections, self.failures)

    async def setup(self) -> None:
        prison = self.scenario.work[0].prison_id
        await self.services.wait_ready(self.connections[prison], None, names=COMMAND_SERVICES,
                                       prison=prison)
        for stage in self.scenario.setup():
            await self.bus.send_chains(stage)
        await drive(self.bus, self.scenario, 1, 2.0, max_commands=100)  # warm-up

    async def stop(self) -> None:
        for nc in set(self.connections.values()):
            with contextlib.suppress(Exception):
                await nc.close()
        if self.services is not None:
            self.services.stop()
        if self.server is not None:
            self.server.stop()


async def measure(workdir: Path, database_url: str, commands: int, failures: Failures) -> dict:
    """p50 / p99 / commands/s of one client, open and with credentials, and their ratios."""
    stacks = {"open": Stack(workdir / "auth-open", database_url, None, failures),
              "credentials": Stack(workdir / "auth-creds", database_url,
                                   workdir / "auth-creds" / "identities", failures)}
    try:
        for stack in stacks.values():
            await stack.start()
        for stack in stacks.values():
            await stack.setup()
        rounds: dict[str, list] = {k: [] for k in stacks}
        for _ in range(ROUNDS):
            for key, stack in stacks.items():
                rounds[key].append(await drive(stack.bus, stack.scenario, 1, 60.0,
                                               max_commands=commands // ROUNDS))
        out = {key: _pooled(loads) for key, loads in rounds.items()}
    finally:
        for stack in stacks.values():
            await stack.stop()
    return out | {"ratio": {k: _ratio(out["credentials"][k], out["open"][k])
                            for k in ("p50_ms", "p99_ms", "commands_per_s")}}


def _pooled(loads: list[Load]) -> dict:
    latencies = [ms for load in loads for ms in load.latencies_ms]
    by_name: dict[str, int] = {}
    for load in loads:
        for name, n in load.by_name.items():
            by_name[name] = by_name.get(name, 0) + n
    return Load(1, len(latencies), sum(load.failed for load in loads),
                sum(load.elapsed_s for load in loads), latencies, by_name).summary()


def _ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 2) if a and b else None
