"""`python -m bench.folds [--events N] [--rounds R]`: the projections' pure folds, no I/O.

Folds a realistic log (bench/workload.py's, sessions dominating, plus the assessments, releases,
readmissions, extensions and amendments it lacks) through each projection's `key` and `evolve`
as the runner does, and prints events/s per projection, best of R rounds. It isolates the
Python cost of a fold, which the rebuild figure of `python -m bench` mixes with SQL and NATS.
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Iterator
from typing import Any

import orjson

from bench.workload import log_of
from services.reporting.projections import projections


def _extra(prison: str, n: int, rng: random.Random) -> Iterator[dict[str, Any]]:
    """The events `log_of` does not write, as the services write them."""
    def env(kind: str, aggregate: str, aid: str, version: int, data: dict) -> dict[str, Any]:
        return {"type": kind, "schema_version": 2 if kind == "AssessmentRecorded" else 1,
                "prison_id": prison, "aggregate_type": aggregate, "aggregate_id": aid,
                "aggregate_version": version, "occurred_at": "2025-03-01T09:00:00+07:00",
                "data": data}

    aid = f"0b7d6c1e-1111-4a2b-8c3d-{n:012d}"
    yield env("AgreementSigned", "agreement", aid, 1, {
        "number": "PKS/X", "title": "X", "partner": {"id": "yayasan-x", "name": "Yayasan X",
                                                     "kind": "foundation"},
        "services": ["counseling"], "signed_on": "2024-01-01", "effective_from": "2024-01-01",
        "effective_until": "2025-12-31", "signatories": [], "renews": None,
        "committed_sessions_per_month": 4})
    yield env("AgreementAmended", "agreement", aid, 2, {
        "signed_on": "2024-06-01", "changes": {"title": "Y", "services": ["counseling"]},
        "note": None})
    yield env("AgreementExtended", "agreement", aid, 3, {
        "signed_on": "2025-06-01", "effective_until": "2026-12-31", "signatories": [],
        "note": "x"})
    yield env("AgreementTerminated", "agreement", aid, 4, {"terminated_on": "2026-01-01",
                                                          "reason": "x"})
    pid = f"9a000000-0000-4000-8000-{n:012d}"
    yield env("ParticipantRegistered", "participant", pid, 1,
              {"case_type": "narcotics_user", "admitted_on": "2023-06-01"})
    version = 1
    for phase in ("intake", "mid", "exit"):
        version += 1
        yield env("AssessmentRecorded", "participant", pid, version, {
            "instrument": "ASSIST", "phase": phase, "score": rng.randint(0, 39),
            "assessed_on": "2024-02-01", "program_id": None, "assessor_role": "counselor"})
    yield env("ParticipantReleased", "participant", pid, version + 1,
              {"released_on": "2024-12-01", "release_type": "parole"})
    yield env("ParticipantReadmitted", "participant", pid, version + 2,
              {"readmitted_on": "2025-02-01"})


def realistic_log(size: int, seed: int = 7) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    out = [orjson.loads(body) for _, body, _ in log_of(size * 9 // 10, seed)]
    n = 0
    while len(out) < size:
        n += 1
        out.extend(_extra("lapas-bench-extra", n, rng))
    return out[:size]


def fold_rate(projection: Any, log: list[dict[str, Any]], rounds: int) -> tuple[int, float]:
    mine = [(key, env) for env in log if (key := projection.key(env)) is not None]
    best = float("inf")
    for _ in range(rounds):
        docs: dict[Any, dict] = {}
        evolve = projection.evolve
        start = time.perf_counter()
        for key, env in mine:
            docs[key] = evolve(docs.get(key), env)
        best = min(best, time.perf_counter() - start)
    return len(mine), len(mine) / best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    log = realistic_log(args.events)
    total = 0.0
    for projection in projections():
        count, rate = fold_rate(projection, log, args.rounds)
        total += count / rate
        print(f"{projection.name:<13} {count:>8,} events  {rate:>12,.0f} events/s")
    print(f"{'all':<13} {len(log):>8,} events  {len(log) / total:>12,.0f} events/s (log)")


if __name__ == "__main__":
    main()
