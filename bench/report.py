"""One table from one run: every figure with the raw ceiling (or the peer) beside it, the goal
of issues 6 and 15 and whether this run met it. Written as Markdown and JSON; never judged here."""

from __future__ import annotations

import json
import statistics
from pathlib import Path
from typing import Any

from bench import floor as floors
from bench import obstacles, reports
from bench.notes import NOTES
from bench.profile import described

RESULTS = Path(__file__).parent / "results"
__all__ = ["NOTES", "RESULTS", "commands_only", "rows", "write"]
FLOOR_GOAL = {"1": 0.8, "32": 0.5}  # Pulih's commands/s over the floor's (issue 15)
COLUMNS = ["area", "measure", "Pulih", "raw ceiling", "× ceiling", "× floor",
           "× floor with claim", "peer", "Pulih / peer", "goal", "met"]


def _n(value: float | None, digits: int = 0) -> str:
    if value is None:
        return "–"
    return f"{value:,.{digits}f}" if digits else f"{round(value):,}"


def _ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 3) if a and b else None


def _size(events: int) -> str:
    return f"{events / 1e6:.3g}M" if events >= 1e6 else f"{events / 1e3:.0f}k"


def rows(r: dict[str, Any]) -> list[dict[str, Any]]:
    c, out = r["ceilings"], []

    def row(area, measure, pulih, ceiling=None, ratio=None, peer=None, over=None, goal="",
            met=None, floor=None, claimed=None):
        out.append({"area": area, "measure": measure, "Pulih": pulih, "raw ceiling": ceiling,
                    "× ceiling": ratio, "× floor": floor, "× floor with claim": claimed,
                    "peer": peer, "Pulih / peer": over, "goal": goal, "met": met})

    reference = r.get("ceilings_default_sync") or {}
    row("raw", "JetStream publish, awaiting each ack (msgs/s)", None, _n(c["publish_each"]))
    for k, v in c["publish_pipelined"].items():
        row("raw", f"JetStream publish, {k} in flight (msgs/s)", None, _n(v))
    if reference:
        row("raw", "the same, nats-server's default sync (not durable; reference): awaiting "
            f"each ack (msgs/s; sync always = "
            f"{_ratio(c['publish_each'], reference['publish_each'])}× this)", None,
            _n(reference["publish_each"]))
        for k, v in reference["publish_pipelined"].items():
            row("raw", f"the same, default sync: {k} in flight (msgs/s; sync always = "
                f"{_ratio(c['publish_pipelined'][k], v)}× this)", None, _n(v))
    for rb in r["rebuild"]:
        row("raw", f"ordered push consumer read @ {_size(rb['events'])} (events/s)", None,
            _n(rb["raw_read_ev_s"]))
    row("raw", "asyncpg COPY into PostgreSQL (rows/s)", None, _n(c["copy_rows"]))

    peer = r.get("peer") or {}
    off, durable = peer.get("sync_commit_off", {}), peer.get("defaults", {})
    best = max(c["publish_pipelined"].values())
    floors.rows(r, row)
    for n in ("1", "32"):
        cmd = r["commands"][n]
        theirs = durable.get(f"append_{n}", {})
        ceiling = c["publish_each"] if n == "1" else best
        ratio = _ratio(cmd["commands_per_s"], ceiling)
        rate = cmd["commands_per_s"]
        floor, claimed = (_ratio(rate, (r.get(key) or {}).get(n, {}).get("commands_per_s"))
                          for key in ("floor", "floor_claim"))
        over = _ratio(rate, theirs.get("commands_per_s"))
        ahead = (floor is None or floor >= FLOOR_GOAL[n]) and (over is None or over > 1)
        if n == "32":
            ok = rate >= 3000 and (ratio or 0) >= 0.2 and ahead
            goal = "≥ 3,000/s, ≥ 0.2× pipelined publish, "
        else:
            ok, goal = ahead, ""
        row("commands", f"commands/s, {n} client{'s' if n != '1' else ''} "
            f"({cmd['commands']:,} sent, {cmd['failed']} failed; peer: fsync per commit)",
            _n(rate), _n(ceiling), ratio, _n(theirs.get("commands_per_s")), over,
            goal + f"≥ {FLOOR_GOAL[n]}× floor, ahead of the peer", ok, floor=floor,
            claimed=claimed)
        row("commands", f"latency p50 / p99, {n} client{'s' if n != '1' else ''} (ms)",
            f"{_n(cmd['p50_ms'], 1)} / {_n(cmd['p99_ms'], 1)}", None, None,
            f"{_n(theirs.get('p50_ms'), 1)} / {_n(theirs.get('p99_ms'), 1)}",
            _ratio(cmd["p99_ms"], theirs.get("p99_ms")),
            "p99 ≤ 25 ms" if n == "32" else "", cmd["p99_ms"] <= 25 if n == "32" else None)

    auth = r.get("auth")
    if auth:
        for key, what in (("open", "open nats-server, as today"),
                          ("credentials", "with credentials: officer identity, actor check")):
            a, x = auth[key], auth["ratio"]
            times = (f"; = {x['p50_ms']}× / {x['p99_ms']}× / {x['commands_per_s']}× open"
                     if key == "credentials" else "")
            row("auth", f"1 client, {what} ({a['commands']:,} sent, {a['failed']} failed): "
                f"p50 / p99 (ms), commands/s{times}",
                f"{_n(a['p50_ms'], 1)} / {_n(a['p99_ms'], 1)}, {_n(a['commands_per_s'])}/s")

    projection = off.get("projection", {}).get("events_per_s")
    for rb in r["rebuild"]:
        ok = rb["rebuild_ev_s"] >= 20000 and rb["rebuild_over_read"] >= 0.5
        ok = "**void**: " + "; ".join(rb["problems"]) if rb.get("problems") else ok
        row("rebuild", f"replay --projection all @ {_size(rb['events'])} (events/s)",
            _n(rb["rebuild_ev_s"]), _n(rb["raw_read_ev_s"]), rb["rebuild_over_read"],
            _n(projection), _ratio(rb["rebuild_ev_s"], projection),
            "≥ 20,000/s and ≥ 0.5× read", ok)

    lag = r["lag"]
    row("live lag", f"reply → visible in /evaluation, p50 / p99 (ms), {lag['probes']} probes "
        f"at {_n(lag['background_ev_s'])} ev/s background",
        f"{_n(lag['p50_ms'], 1)} / {_n(lag['p99_ms'], 1)}", goal="p99 ≤ 250 ms",
        met=lag["p99_ms"] is not None and lag["p99_ms"] <= 250)

    s = r["scale"]
    flat = s["flatness"]
    for key in ("small", "large"):
        lat, large = s[key], key == "large"
        ratios = f"{flat.get('p50_ratio')} / {flat.get('p99_ratio')}" if large else None
        ok = all((flat.get(k) or 99) <= 1.2 for k in ("p50_ratio", "p99_ratio"))
        row("scale", f"latency p50 / p99, 1 client, log @ {_size(lat['events'])} (ms)"
            + ("; × small log" if large else ""),
            f"{_n(lat['p50_ms'], 1)} / {_n(lat['p99_ms'], 1)}", ratio=ratios,
            goal="p50 and p99 within 20% of the small log" if large else "",
            met=ok if large else None)
    for name, mem in s["memory"].items():
        row("scale", f"peak RSS {name} @ {_size(s['large']['events'])} (MB; now "
            f"{mem['rss_mb']:.0f})", _n(mem["peak_rss_mb"]), goal="≤ 200 MB",
            met=mem["peak_rss_mb"] <= 200)

    reports.rows(r, row)
    if off:
        for n in ("1", "32"):
            d = off[f"append_{n}"]
            row("peer", f"eventsourcing, synchronous_commit=off (not durable; reference): "
                f"appends/s, {n} writer{'s' if n != '1' else ''}, p50 / p99 {_n(d['p50_ms'], 1)} / "
                f"{_n(d['p99_ms'], 1)} ms", None, peer=_n(d["commands_per_s"]),
                over=_ratio(r["commands"][n]["commands_per_s"], d["commands_per_s"]))
    if durable:
        p = durable["projection"]["events_per_s"]
        row("peer", "eventsourcing, PostgreSQL defaults: projection (events/s)", None, peer=_n(p),
            over=_ratio(r["rebuild"][0]["rebuild_ev_s"], p))
    return out


def commands_only(r: dict[str, Any]) -> str:
    """`--commands-only`: each round's commands/s of Pulih and of both floors, the ratios, and
    their medians over the rounds (not written to latest.{md,json}: not a whole run)."""
    head = ["round", "clients", "Pulih /s (p50 / p99 ms)", "floor /s", "floor with claim /s",
            "× floor", "× floor with claim", "attendance CPU ms / command",
            "servers' and services' CPU ms / command"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    ratios: dict[str, list[tuple[float, ...]]] = {"1": [], "32": []}
    for i, rnd in enumerate(r["rounds"], 1):
        for n in ("1", "32"):
            cmd, base, claim = rnd["commands"][n], rnd["floor"][n], rnd["floor_claim"][n]
            rate, cpu = cmd["commands_per_s"], rnd["cpu_ms"][n]
            figures = (rate, base["commands_per_s"], claim["commands_per_s"],
                       _ratio(rate, base["commands_per_s"]) or 0,
                       _ratio(rate, claim["commands_per_s"]) or 0, cpu.get("attendance", 0),
                       round(sum(v for role, v in cpu.items() if role != "bench"), 3))
            ratios[n].append(figures)
            lines.append(f"| {i} | {n} | {_n(rate)} ({cmd['p50_ms']} / {cmd['p99_ms']}) | "
                         f"{_n(figures[1])} | {_n(figures[2])} | "
                         + " | ".join(map(str, figures[3:])) + " |")
    for n, rounds in ratios.items():
        mid = [statistics.median(column) for column in zip(*rounds, strict=True)]
        lines.append(f"| median | {n} | {_n(mid[0])} | {_n(mid[1])} | {_n(mid[2])} | "
                     + " | ".join(f"{v:.3f}" for v in mid[3:]) + " |")
    return "\n".join([f"Commands only ({r['command']}), load {r['load_start']} → "
                      f"{r['load_end']}; failed or refused: {r['failures']['count']}", "",
                      *lines, "", "CPU % per process: " + json.dumps(r.get("cpu_pct"))])


def markdown(r: dict[str, Any]) -> str:
    def cell(v: Any) -> str:
        if v is True:
            return "yes"
        if v is False:
            return "**no**"
        return "" if v is None else str(v)

    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(cell(row[k]) for k in COLUMNS) + " |" for row in r["table"]]
    fails = r["failures"]
    notes = [f"# Pulih benchmark — {r['mode']} run",
             "", f"Machine: {r['machine']}. Started {r['started']}, took {r['duration_s']:.0f} s. "
             f"Load average at start / end: {r['load_start']} / {r['load_end']}.",
             f"Command: `{r['command']}`. Failed or refused commands: {fails['count']}. "
             f"Problems: {'; '.join(r['problems']) or 'none'}. Client errors in the bench "
             f"process: {r['client_errors'] or 'none'}.", "",
             *lines, "", *[f"- {note}" for note in r["notes"]], *obstacles.lines(r), *_cpu(r),
             *_profiles(r)]
    return "\n".join(notes) + "\n"


def _cpu(r: dict[str, Any]) -> list[str]:
    phases = r.get("cpu_pct") or {}
    roles = sorted({role for use in phases.values() for role in use})
    if not roles:
        return []
    lines = ["", "CPU per process during each phase (% of one core; 200% = both cores):", "",
             "| phase | " + " | ".join(roles) + " |", "|---|" + "---|" * len(roles)]
    for phase, use in phases.items():
        lines.append(f"| {phase} | " + " | ".join(str(use.get(x, "")) for x in roles) + " |")
    return lines


def _profiles(r: dict[str, Any]) -> list[str]:
    """`--profile`'s samples of the measured phases (the profiled re-runs are shown under
    "What stands in the way")."""
    lines = [described(phase, name, summary)
             for phase, procs in (r.get("profiles") or {}).items()
             if not phase.startswith(obstacles.WHY)
             for name, summary in procs.items() if summary.get("samples")]
    return ["", "## Profiles", "", *lines] if lines else []


def write(r: dict[str, Any], name: str = "latest") -> str:
    r["table"] = rows(r)
    text = markdown(r)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{name}.md").write_text(text)
    (RESULTS / f"{name}.json").write_text(json.dumps(r, indent=2, default=str) + "\n")
    return text
