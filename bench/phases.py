"""The run, phase by phase, on one set of servers and one growing log:

1. raw ceilings (scratch stream; COPY into a scratch table), and the publish ceilings again on
   a nats-server with its default sync, for reference (then stopped);
2. the four services as processes; the scenario's setup through real commands;
3. log grown to the small size; one client's latency there (scale, small);
4. commands with 1 and 32 clients; the floor (bench/floor.py) with the same clients; 1 client
   on two small stacks of its own, open and with credentials; the peer on the same PostgreSQL
   (our services idle); live lag under load;
5. for each size: grow the log, let the live reporting service catch up, then the raw read
   ceiling and a full rebuild of every projection;
6. one client's latency at the largest size (scale, large); report latency there (p50 / p99 of
   repeated calls of /regional, /evaluation, narrowed to a prison or a Kanwil, and the
   dashboard's pages); each service's RSS;
7. profiled re-runs of what stands behind the goals (bench/obstacles.py): commands right after
   the floor, the reports that missed their goal and a rebuild at the end.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from pathlib import Path

import asyncpg
import httpx
import nats

from bench import auth, ceilings, floor, lag, obstacles, peer, rebuild, report, reports, scale
from bench.commands import Bus, Failures, MachineryError, drive
from bench.plan import Plan
from bench.profile import Cpu, Spy
from bench.scenario import Scenario
from bench.services import Services
from shared.jetstream import ensure_stream
from shared.runtime import tune_gc

LIVE = "readmodel"  # the services' read-model schema (Settings' default)


QUIET_PCT = 15.0  # % of one core, all servers and services together


class Phases:
    """Everything after the raw ceilings, with the services running."""

    def __init__(self, nc, pool, http: httpx.AsyncClient, services: Services, plan: Plan,
                 spy: Spy, results: dict, why: Spy | None = None):
        self.nc, self.pool, self.http, self.services = nc, pool, http, services
        self.plan, self.spy, self.results = plan, spy, results
        self.why = why or Spy(None)  # the profiled re-runs after the measured phases
        self.failures = Failures()
        self.bus, self.scenario = Bus(nc, self.failures), Scenario()
        self.kanwils: set[str] = set()  # the synthetic prisons assigned a Kanwil so far
        self.profiles: dict = results.setdefault("profiles", {})
        self.cpu: dict = results.setdefault("cpu_pct", {})

    def pids(self, *names: str) -> dict[str, int]:
        own = {"bench": os.getpid()}
        return {n: own[n] if n == "bench" else self.services.procs[n].pid for n in names}

    async def measured(self, label: str, coro, seconds: float, profile: tuple[str, ...] = (),
                       spy: Spy | None = None):
        """Run one phase with its CPU per process and (with --profile, or with `spy`) py-spy
        on `profile`."""
        spy = spy or self.spy
        cpu, spies = Cpu(self.services), spy.start(label, self.pids(*profile), seconds)
        try:
            return await coro
        finally:
            self.cpu[label] = cpu.stop()
            if spies:
                self.profiles[label] = spy.finish(spies)

    async def settle(self, timeout: float) -> None:
        """Wait (polling) until the live reporting service has applied the whole log."""
        self.services.check_alive()
        await rebuild.caught_up(self.http, await rebuild.stream_end(self.nc), timeout)

    async def setup(self) -> None:
        await self.services.wait_ready(self.nc, self.http)
        for stage in self.scenario.setup():
            await self.bus.send_chains(stage)
        if self.failures.count:
            raise MachineryError(f"setup commands were refused: {self.failures.examples}")
        await rebuild.grow(self.nc, self.plan.small, seed=1, kanwils=self.kanwils)
        await self.settle(120)
        await drive(self.bus, self.scenario, 8, 2.0)  # warm-up, not measured

    async def quiet(self, below: float = QUIET_PCT, timeout: float = 180.0) -> float:
        """Wait until the servers and services are idle (their CPU below `below` % of one core
        for two 1 s windows in a row): after the log grew by a million events PostgreSQL
        autovacuums the read-model tables and the file store settles, for a minute or more. A
        latency measured during that would charge the aftermath of a burst to the log's size."""
        started, calm = time.perf_counter(), 0
        while calm < 2 and time.perf_counter() - started < timeout:
            cpu = Cpu(self.services)
            await asyncio.sleep(1.0)
            busy = sum(v for k, v in cpu.stop().items() if k != "bench")
            calm = calm + 1 if busy < below else 0
        return round(time.perf_counter() - started, 1)

    async def latency(self, label: str) -> dict:
        waited = await self.quiet()
        events, plan = await rebuild.stream_end(self.nc), self.plan
        step(f"scale: 1 client @ {events:,} events (after {waited} s for the machine to idle)")
        out = await self.measured(label, scale.latency(
            self.bus, self.scenario, events, plan.scale_s, plan.scale_max), plan.scale_s,
            ("attendance",))
        show(out)
        return {**out, "waited_for_idle_s": waited}

    async def commands(self) -> None:
        out = self.results["commands"] = {}
        for clients, seconds in zip((1, 32), self.plan.load_s, strict=True):
            step(f"commands, {clients} client(s)")
            load = await self.measured(
                f"commands_{clients}", drive(self.bus, self.scenario, clients, seconds),
                seconds, ("attendance", "programs", "reporting", "bench"))
            out[str(clients)] = load.summary()
            show(out[str(clients)])

    async def floor(self) -> None:
        step("floor: a minimal nats-py service doing Pulih's round trips (and the same with "
             "the command-id claim), 1 and 32 clients")
        floors = await self.measured("floor", floor.measure(
            self.nc, self.failures, self.plan.load_s), 2 * sum(self.plan.load_s))
        self.results |= floors
        show({key: {n: (f["commands_per_s"], f["p50_ms"], f["p99_ms"]) for n, f in out.items()}
              for key, out in floors.items()})

    async def rounds(self, count: int) -> None:
        """Commands and floors only, `count` times in turn (each round's figures kept in
        results["rounds"], with the CPU each process spent per command: steadier than
        commands/s on a shared machine; the last round's also where a full run keeps them)."""
        self.results["rounds"] = []
        for _ in range(count):
            await self.commands()
            await self.floor()
            cpu_ms = {n: {role: round(10 * pct / c["commands_per_s"], 3)
                          for role, pct in self.cpu[f"commands_{n}"].items()}
                      for n, c in self.results["commands"].items()}
            self.results["rounds"].append({"cpu_ms": cpu_ms} | {
                key: self.results[key] for key in ("commands", "floor", "floor_claim")})

    async def reports(self) -> None:
        waited = await self.quiet()
        events, plan = await rebuild.stream_end(self.nc), self.plan
        step(f"report latency @ {events:,} events (after {waited} s for the machine to idle)")
        self.results["reports"] = out = await self.measured("reports", reports.latency(
            self.services.base_url, events, plan.report_calls, plan.report_budget_s),
            2 * plan.report_budget_s, ("reporting",))  # py-spy: /regional and /evaluation
        show({t["target"]: (t["p50_ms"], t["p99_ms"]) for t in out["targets"]})
        out["rollups"] = await reports.rollups_equal(self.pool, LIVE)
        if out["rollups"]["differences"]:
            self.failures.append(f"the rollups differ from the per-row definitions: "
                                 f"{out['rollups']['first']}")
        show(out["rollups"])

    async def auth(self, workdir: Path, database_url: str) -> None:
        step("authentication: 1 client, open nats-server vs one with credentials")
        self.results["auth"] = await auth.measure(workdir, database_url,
                                                  self.plan.auth_commands, self.failures)
        show(self.results["auth"]["ratio"])

    async def peer(self, database_url: str) -> None:
        await self.settle(120)
        step("peer: eventsourcing on the same PostgreSQL (Pulih's services idle)")
        plan = self.plan
        work = asyncio.to_thread(peer.run, database_url, *plan.peer_s, plan.peer_timeout)
        self.results["peer"] = await self.measured("peer", work, 0)
        show(self.results["peer"])

    async def lag(self) -> None:
        await self.settle(120)
        step("live lag")
        plan = self.plan
        self.results["lag"] = await self.measured("lag", lag.measure(
            self.nc, self.bus, self.http, self.scenario, plan.lag_rate, plan.lag_s,
            plan.lag_probes), plan.lag_s, ("reporting",))
        show(self.results["lag"])

    async def rebuilds(self) -> None:
        self.results["rebuild"], self.results["growth"] = [], []
        for size in self.plan.sizes:
            step(f"grow the log to {size:,} events")
            grown = await self.measured(f"grow_{size}", rebuild.grow(
                self.nc, size, seed=size, kanwils=self.kanwils), 0)
            started = time.perf_counter()
            await self.settle(max(300.0, size / 1000))
            grown["reporting_caught_up_after_s"] = round(time.perf_counter() - started, 1)
            self.results["growth"].append(grown)
            step(f"raw read and rebuild @ {grown['events']:,} events")
            last = grown["events"]
            read = await self.measured(f"read_{size}", ceilings.ordered_read(self.nc, last), 0)
            profile = ("bench",) if size == self.plan.sizes[-1] else ()
            seconds = last / 13_000  # about the rebuild's length, for py-spy
            done = rebuild.row(last, read, await self.measured(
                f"rebuild_{size}", rebuild.rebuild(self.nc, self.pool, last, LIVE), seconds,
                profile))
            self.results["rebuild"].append(done)
            self.results["problems"] += [f"@ {last:,}: {p}" for p in done["problems"]]
            show(grown, done)


async def run(plan: Plan, workdir: Path, nats_url: str, database_url: str,
              with_peer: bool = True, profile_dir: Path | None = None,
              reference: bool = True) -> dict:
    tune_gc()
    spy = Spy(profile_dir)
    why = Spy(profile_dir or workdir / "profiles", optional=True)  # bench/obstacles.py
    client_errors: dict[str, int] = {}

    async def on_error(exc: Exception) -> None:  # e.g. a slow consumer's dropped messages
        client_errors[type(exc).__name__] = client_errors.get(type(exc).__name__, 0) + 1

    nc = await nats.connect(nats_url, name="pulih-bench", error_cb=on_error)
    await ensure_stream(nc)
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=4)
    results: dict = {"plan": plan.__dict__, "notes": report.NOTES, "problems": [],
                     "client_errors": client_errors}
    services = Services(workdir, nats_url, database_url)
    sampler, phases = None, None
    try:
        skip = plan.rebuild_only or plan.commands_only
        if not skip:
            step("raw ceilings")
            results["ceilings"] = await ceilings.raw(nc, pool, plan)
            show(results["ceilings"])
        if reference and not skip:
            step("raw ceilings on a nats-server with its default sync (reference)")
            results["ceilings_default_sync"] = await ceilings.reference(workdir, plan)
            show(results["ceilings_default_sync"])
        step("services and setup")
        services.start()
        sampler = asyncio.create_task(services.sampler())
        async with httpx.AsyncClient(base_url=services.base_url, timeout=10) as http:
            phases = Phases(nc, pool, http, services, plan, spy, results, why)
            await phases.setup()
            if plan.commands_only:
                await phases.rounds(plan.commands_only)
                return results
            if plan.rebuild_only:
                await phases.rebuilds()
                results["memory"] = scale.memory(services)
                show(results["memory"])
                return results
            small = await phases.latency("scale_small")
            await phases.commands()
            await phases.floor()
            await obstacles.commands(phases)
            await phases.auth(workdir, database_url)
            if with_peer:  # now: the same PostgreSQL as the commands met, services idle
                await phases.peer(database_url)
            await phases.lag()
            await phases.rebuilds()
            await phases.settle(300)
            large = await phases.latency("scale_large")
            await phases.reports()
            await obstacles.reads(phases, LIVE)
            results["scale"] = {"small": small, "large": large,
                                "flatness": scale.flatness(small, large),
                                "memory": scale.memory(services)}
            show(results["scale"]["flatness"], results["scale"]["memory"])
            services.check_alive()
    finally:
        if sampler is not None:
            sampler.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sampler
        services.stop()
        await pool.close()
        await nc.drain()
        if phases is not None:
            failures = phases.failures
            results["failures"] = {"count": failures.count, "examples": failures.examples}
    return results


def step(what: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {what}", flush=True)


def show(*values: object) -> None:
    print("   ", *values, flush=True)
