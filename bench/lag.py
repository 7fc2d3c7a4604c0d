"""Live lag: from a command's reply until its effect shows in `/evaluation`, under load.

A pacer appends synthetic events (sessions with attendance dominate) at a steady rate, as other
prisons' officers would; meanwhile a probe sends one HoldSession at a time on the probe prison's
program and polls `GET /evaluation?prison_id=…` until that program's `sessions_held` has
counted it. Bounded in probes and in time; loopback only."""

from __future__ import annotations

import asyncio
import time

import httpx
from nats.aio.client import Client

from bench.commands import Bus, MachineryError, percentile
from bench.scenario import Program, Scenario
from bench.workload import ACK_TIMEOUT, log_of

POLL_S = 0.005  # the probe's polling interval: the resolution of each lag sample
VISIBLE_WITHIN_S = 30.0  # longer than this is not a lag but a broken reporting service


class Pacer:
    """Appends `rate` events/s, spread in 10 ms ticks, acks awaited concurrently."""

    def __init__(self, nc: Client, rate: float, seed: int):
        self.nc, self.rate = nc, rate
        self.events = log_of(10**9, seed=seed)
        self.sent = self.acked = 0
        self.errors: list[str] = []
        self.elapsed = 0.0

    async def run(self, stop: asyncio.Event) -> None:
        js, pending = self.nc.jetstream(timeout=ACK_TIMEOUT), set()
        started = time.perf_counter()
        while not stop.is_set():
            due = int((time.perf_counter() - started) * self.rate)
            while self.sent < due:
                subject, body, msg_id = next(self.events)
                task = asyncio.create_task(js.publish(subject, body,
                                                      headers={"Nats-Msg-Id": msg_id}))
                task.add_done_callback(self._acked)
                pending.add(task)
                task.add_done_callback(pending.discard)
                self.sent += 1
            await asyncio.sleep(0.01)  # the pacer's tick (a rate, not a synchronisation)
        self.elapsed = time.perf_counter() - started
        await asyncio.gather(*pending, return_exceptions=True)

    def _acked(self, task: asyncio.Task) -> None:
        if task.cancelled() or task.exception() is not None:
            self.errors.append(repr(task.exception()) if not task.cancelled() else "cancelled")
        else:
            self.acked += 1


async def sessions_held(http: httpx.AsyncClient, program: Program) -> int:
    response = await http.get("/evaluation", params={"prison_id": program.prison_id})
    if response.status_code != 200:
        raise MachineryError(f"/evaluation answered {response.status_code}: {response.text}")
    for row in response.json()["items"]:
        if row["program_id"] == program.program_id:
            return row["sessions_held"]
    return 0


async def measure(nc: Client, bus: Bus, http: httpx.AsyncClient, scenario: Scenario,
                  rate: float, seconds: float, max_probes: int) -> dict:
    program = scenario.probe
    pacer, stop = Pacer(nc, rate, seed=4242), asyncio.Event()
    background = asyncio.create_task(pacer.run(stop))
    lags: list[float] = []
    try:
        while pacer.sent < rate:  # one second of load before the first probe
            await asyncio.sleep(POLL_S)
        held = await sessions_held(http, program)
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline and len(lags) < max_probes:
            command, _ = scenario.hold(program)
            if await bus.send(command) is None:
                continue  # counted as a failure by the bus
            replied = time.perf_counter()
            held += 1
            while await sessions_held(http, program) < held:
                if time.perf_counter() - replied > VISIBLE_WITHIN_S:
                    raise MachineryError(f"a held session was not in /evaluation after "
                                         f"{VISIBLE_WITHIN_S:.0f}s")
                await asyncio.sleep(POLL_S)
            lags.append((time.perf_counter() - replied) * 1000)
    finally:
        stop.set()
        await background
    if pacer.errors:
        raise MachineryError(f"background appends failed: {pacer.errors[:3]}")
    return {"probes": len(lags), "background_target_ev_s": rate,
            "background_ev_s": round(pacer.acked / pacer.elapsed) if pacer.elapsed else 0,
            "p50_ms": round(percentile(lags, 0.5), 1) if lags else None,
            "p99_ms": round(percentile(lags, 0.99), 1) if lags else None,
            "max_ms": round(max(lags), 1) if lags else None,
            "poll_interval_ms": POLL_S * 1000, "samples_ms": [round(x, 1) for x in lags]}
