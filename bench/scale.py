"""Scale: one client's command latency as the log grows, and each service's memory.

The same command mix on the same programs, measured with a small log and again after the log
has grown (the stream is the same; only synthetic history from other prisons was added). RSS
is read per service process: the kernel's high-water mark (VmHWM) and psutil's current RSS."""

from __future__ import annotations

from bench.commands import Bus, drive
from bench.scenario import Scenario
from bench.services import Services

MB = 1024 * 1024


ROUNDS = 5


async def latency(bus: Bus, scenario: Scenario, events: int, seconds: float,
                  max_commands: int) -> dict:
    """The best of five rounds (by p50), each a fifth of the commands. Other tenants of this
    shared machine come and go by the minute and only ever slow a round down, so the best round
    is the steadiest estimate of what the log's size costs; every round is kept in the JSON."""
    rounds = [(await drive(bus, scenario, clients=1, seconds=seconds / ROUNDS,
                           max_commands=max_commands // ROUNDS)).summary()
              for _ in range(ROUNDS)]
    best = min(rounds, key=lambda r: r["p50_ms"] or float("inf"))
    return {"events": events, **best,
            "rounds_p50_p99_ms": [[r["p50_ms"], r["p99_ms"]] for r in rounds]}


def memory(services: Services) -> dict[str, dict[str, float]]:
    now, peak = services.sample_rss(), services.peak_rss()
    return {name: {"rss_mb": round(now.get(name, 0) / MB, 1),
                   "peak_rss_mb": round(peak.get(name, 0) / MB, 1)} for name in services.procs}


def flatness(small: dict, large: dict) -> dict:
    """Large-log latency over small-log latency (1.0 = flat)."""
    out = {}
    for key in ("p50_ms", "p99_ms"):
        if small.get(key) and large.get(key):
            out[key.replace("_ms", "_ratio")] = round(large[key] / small[key], 2)
    return out
