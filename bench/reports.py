"""Report latency at scale: the reporting service's answers at the largest log size, one call
at a time (a user waiting), p50 / p99 over repeated calls after one warm-up call.

Unfiltered: `/regional`, `/evaluation`, the dashboard's pages (`/` renders /regional and
/evaluation, and /regional once per quarter; `/dashboard/pathway` intake, recidivism and
quotas). Narrowed: `/evaluation?prison_id=` of one synthetic prison, and, when this build's
reports take them (read from its OpenAPI), `/regional?prison_id=` and `?kanwil_id=` on both
(the workload assigns every synthetic prison to one of 33 Kanwil). A slow target is called
fewer times (at least 3) rather than holding the run for minutes: each has a time budget."""

from __future__ import annotations

import time
from datetime import date

import asyncpg
import httpx

from bench.commands import MachineryError, percentile
from bench.reference import differences
from bench.workload import kanwil_of
from services.reporting.read.figures import BEGINNING, Window

UNFILTERED_MS, NARROWED_MS = 300.0, 50.0  # the goals of issue 15 (p50)
PRISON = "lapas-bench-0002"  # a synthetic prison of every log size


def targets(spec: dict) -> list[tuple[str, dict[str, str], bool]]:
    """(path, query, narrowed) to time; filters only where the OpenAPI has them."""
    def takes(path: str, param: str) -> bool:
        params = spec["paths"].get(path, {}).get("get", {}).get("parameters", [])
        return any(p["name"] == param for p in params)

    one, kanwil = {"prison_id": PRISON}, {"kanwil_id": kanwil_of(PRISON)}
    out = [("/regional", {}, False), ("/evaluation", {}, False)]
    out += [(path, query, True) for path in ("/regional", "/evaluation")
            for query in (one, kanwil) if takes(path, next(iter(query)))]
    return out + [("/", {}, False), ("/dashboard/pathway", {}, False)]


async def latency(base_url: str, events: int, calls: int, budget_s: float) -> dict:
    async with httpx.AsyncClient(base_url=base_url, timeout=600) as http:
        spec = (await http.get("/openapi.json")).json()
        out = {"events": events, "targets": [], "not_measured": [
            f"{path}?{param}=" for path, param in (("/regional", "prison_id"),
                                                   ("/regional", "kanwil_id"),
                                                   ("/evaluation", "kanwil_id"))
            if not any(t[0] == path and param in t[1] for t in targets(spec))]}
        for path, query, narrowed in targets(spec):
            out["targets"].append(await _timed(http, path, query, narrowed, calls, budget_s))
    return out


async def _timed(http: httpx.AsyncClient, path: str, query: dict[str, str], narrowed: bool,
                 calls: int, budget_s: float) -> dict:
    samples: list[float] = []
    size = 0
    stop = time.perf_counter() + budget_s
    for n in range(calls + 1):  # the first is a warm-up
        started = time.perf_counter()
        answer = await http.get(path, params=query)
        elapsed = (time.perf_counter() - started) * 1000
        if answer.status_code != 200:
            raise MachineryError(f"GET {path} {query}: {answer.status_code} {answer.text[:200]}")
        size = len(answer.content)
        if n:
            samples.append(elapsed)
        if n >= 3 and time.perf_counter() >= stop:
            break
    shown = path + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")
    return {"target": shown, "narrowed": narrowed, "calls": len(samples), "bytes": size,
            "p50_ms": round(percentile(samples, 0.50), 1),
            "p99_ms": round(percentile(samples, 0.99), 1), "samples_ms": samples}


async def rollups_equal(pool: asyncpg.Pool, schema: str) -> dict:
    """Issue 15's proof at the largest size: every program's member and session figures from
    the rollups equal the pre-rollup per-row queries (`bench.reference`), on the default window
    and on a window cut mid-month at both ends."""
    out: dict = {"windows": [], "differences": 0, "first": None}
    async with pool.acquire() as conn:
        await conn.execute(f'SET search_path TO "{schema}"')
        programs = [(r["prison_id"], r["program_id"])
                    for r in await conn.fetch("SELECT prison_id, program_id FROM programs")]
        for window in (Window(BEGINNING, date.today()), Window(date(2024, 3, 15),
                                                                date(2025, 2, 10))):
            found = await differences(conn, programs, window)
            out["windows"].append(f"{window.start}..{window.end}")
            out["differences"] += len(found)
            out["first"] = out["first"] or (found[:1] or None)
        out["programs"] = len(programs)
    return out


def goal(target: dict) -> float:
    """A timed report's p50 goal (issue 15), in ms."""
    return NARROWED_MS if target["narrowed"] else UNFILTERED_MS


def met(target: dict) -> bool:
    return target["p50_ms"] <= goal(target)


def rows(r: dict, row) -> None:
    """One row per target, with the goal of issue 15 (p50) and whether it was met."""
    lat = r.get("reports")
    if not lat:
        return
    size = f"{lat['events'] / 1e6:.3g}M" if lat["events"] >= 1e6 else f"{lat['events'] / 1e3:.0f}k"
    for t in lat["targets"]:
        row("reports", f"GET {t['target']} @ {size}: p50 / p99 (ms), {t['calls']} calls "
            f"({t['bytes'] / 1024:,.0f} KB)", f"{t['p50_ms']:,} / {t['p99_ms']:,}",
            goal=f"p50 ≤ {goal(t):.0f} ms", met=met(t))
    for missing in lat["not_measured"]:
        row("reports", f"GET {missing}: not measured (this build's report has no such filter)",
            None)
    if check := lat.get("rollups"):
        row("reports", f"rollups = per-row definitions @ {size} ({check['programs']:,} programs; "
            f"windows {', '.join(check['windows'])}): differences", check["differences"],
            goal="0", met=check["differences"] == 0)
