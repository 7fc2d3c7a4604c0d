"""What stands in the way of the goals a run did not meet (issue 15's "done when").

After the measured phases, short profiled re-runs of the work behind each goal — the same
commands with 1 and 32 clients right after the floor, each report that missed its goal, and a
rebuild of the log's start at the end — sampled by py-spy, so the sampler's CPU is charged to
no measured figure. Under the table, for every goal not met: this run's own evidence (the
floors, CPU per command or per phase of every process), the profile's top functions (overall
and Pulih's own), and what would move the figure (`WAYS` in bench/notes.py)."""

from __future__ import annotations

import time
import uuid
from typing import Any

from bench import rebuild
from bench.commands import drive
from bench.notes import WAYS
from bench.profile import described
from bench.reports import PRISON, met
from shared.direct import DirectReader
from shared.envelope import EVENTS_PREFIX

WHY = "why "  # the profiled re-runs' phase labels start so


async def commands(phases) -> None:
    """The measured command load again, profiled: the command services, 1 and 32 clients."""
    seconds = phases.plan.profile_s
    for clients in (1, 32):
        await phases.measured(f"{WHY}commands_{clients}", drive(
            phases.bus, phases.scenario, clients, seconds), seconds,
            ("attendance", "programs"), spy=phases.why)


async def reads(phases, live: str) -> None:
    """Each report that missed its goal, called for a while, and a rebuild of the log's start,
    profiled (the reporting service; the bench process, where the rebuild runs)."""
    seconds = phases.plan.profile_s
    for target in (t["target"] for t in _missed(phases.results.get("reports") or {})):
        await phases.measured(f"{WHY}GET {target}", _calls(phases.http, target, seconds),
                              seconds, ("reporting",), spy=phases.why)
    phases.results["lookups"] = await lookups(phases.nc)
    until = min(phases.plan.profile_events, await rebuild.stream_end(phases.nc))
    work = rebuild.rebuild(phases.nc, phases.pool, until, live, check=False)
    await phases.measured(f"{WHY}rebuild", work, until / 15_000, ("bench",), spy=phases.why)


async def lookups(nc, n: int = 200) -> dict:
    """What a create's cross-prison id check costs on this log (shared/uniqueness.py): a
    `multi_last` with the prison as a wildcard, against the same with the prison named (what
    every command's aggregate read is), for ids not in the log (a create's case), ms each."""
    reader, out = DirectReader(nc), {}
    for key, prison in (("named_ms", PRISON), ("any_prison_ms", "*")):
        started = time.perf_counter()
        for _ in range(n):
            await reader.lasts([f"{EVENTS_PREFIX}.{prison}.session.{uuid.uuid4()}"])
        out[key] = round(1000 * (time.perf_counter() - started) / n, 3)
    return out


def _missed(reports: dict) -> list[dict]:
    return [t for t in reports.get("targets", []) if not met(t)]


async def _calls(http, target: str, seconds: float) -> int:
    stop, calls = time.perf_counter() + seconds, 0
    while calls < 2 or time.perf_counter() < stop:
        (await http.get(target, timeout=600)).raise_for_status()
        calls += 1
    return calls


def lines(r: dict[str, Any]) -> list[str]:
    """The section under the table: one paragraph per kind of goal not met."""
    missed = {_kind(row) for row in r.get("table", []) if row["met"] is False}
    out = []
    for kind, title in (("commands", "Commands against the floor and the peer"),
                        ("rebuild", "Rebuild against the read ceiling"),
                        ("scale", "Command latency at the largest log"),
                        ("memory", "Memory per service"), ("reports", "Reports at scale")):
        if kind in missed:
            out += ["", f"### {title}", "", *EVIDENCE[kind](r), *_profiled(r, kind),
                    "", f"**What stands in the way, what would move it:** {WAYS[kind]}"]
    if not out:
        return []
    return ["", "## What stands in the way of the goals not met", "",
            "Evidence from this run; profiles from its profiled re-runs (bench/obstacles.py: "
            "py-spy, after the measured phases, so no figure above paid for the sampler)."
            ] + out


def _kind(row: dict) -> str:
    if row["area"] == "scale":
        return "memory" if "RSS" in row["measure"] else "scale"
    return row["area"]


def _cpu_during(r: dict, phase: str) -> str:
    use = (r.get("cpu_pct") or {}).get(phase) or {}
    return ", ".join(f"{role} {pct}" for role, pct in use.items() if pct)


def _per_command(r: dict, phase: str, rate: float | None) -> str:
    use = (r.get("cpu_pct") or {}).get(phase) or {}
    if not rate or not use:
        return "–"
    return ", ".join(f"{role} {10 * pct / rate:.2f}" for role, pct in use.items() if pct)


def _commands(r: dict) -> list[str]:
    out = []
    for n in ("1", "32"):
        rate = r["commands"][n]["commands_per_s"]
        base, claim = ((r.get(k) or {}).get(n, {}).get("commands_per_s")
                       for k in ("floor", "floor_claim"))
        if base and claim:
            out.append(f"- {n} client(s): Pulih {rate:,.0f}/s, the floor {base:,.0f}/s, the floor "
                       f"with the command-id claim {claim:,.0f}/s = {claim / base:.2f}× the "
                       f"floor: the claim's second synced write alone caps Pulih there.")
        out.append(f"- {n} client(s), CPU ms per command: "
                   f"{_per_command(r, f'commands_{n}', rate)}.")
    return out


def _rebuild(r: dict) -> list[str]:
    rb, size = r["rebuild"][-1], r["plan"]["sizes"][len(r["rebuild"]) - 1]
    return [f"- @ {rb['events']:,}: {rb['rebuild_ev_s']:,}/s = {rb['rebuild_over_read']}× the "
            f"raw read; CPU during it (% of one core): {_cpu_during(r, f'rebuild_{size}')} "
            f"(the runner is the bench process)."]


def _scale(r: dict) -> list[str]:
    s, found = r["scale"], r.get("lookups")
    out = [f"- {key} log ({s[key]['events']:,} events), CPU ms per command: "
           f"{_per_command(r, f'scale_{key}', s[key].get('commands_per_s'))}."
           for key in ("small", "large")]
    if found:
        out.append(f"- At the largest log, an unused session id looked up by `multi_last` with "
                   f"its prison named: {found['named_ms']} ms; in any prison (`*`, a create's "
                   f"cross-prison id check, shared/uniqueness.py): {found['any_prison_ms']} ms.")
    return out


def _memory(r: dict) -> list[str]:
    return [f"- {name}: peak {m['peak_rss_mb']:.0f} MB, {m['rss_mb']:.0f} MB at the end "
            f"(sampled after the reports phase at the largest log)."
            for name, m in r["scale"]["memory"].items() if m["peak_rss_mb"] > 200]


def _reports(r: dict) -> list[str]:
    return [f"- GET {t['target']}: p50 {t['p50_ms']:,} ms, {t['bytes'] / 1024:,.0f} KB."
            for t in _missed(r.get("reports") or {})] + [
        f"- CPU during the reports phase (% of one core): {_cpu_during(r, 'reports')}."]


EVIDENCE = {"commands": _commands, "rebuild": _rebuild, "scale": _scale, "memory": _memory,
            "reports": _reports}
PROFILED = {"commands": ("commands_",), "rebuild": ("rebuild",), "scale": ("commands_1",),
            "memory": (), "reports": ("GET ",)}


def _profiled(r: dict, kind: str) -> list[str]:
    return [described(phase[len(WHY):], name, got)
            for phase, procs in (r.get("profiles") or {}).items()
            if phase.startswith(WHY) and phase[len(WHY):].startswith(PROFILED[kind])
            for name, got in procs.items()]
