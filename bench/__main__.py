"""`python -m bench [--quick] [--events N ...]`: measure Pulih against this machine's own
ceilings and against a peer, in one run; one table, also written to bench/results/latest.{md,json}.

Starts its own NATS and PostgreSQL in a temporary directory (or uses PULIH_NATS_URL /
PULIH_DATABASE_URL — it then writes its log and read-models there) and runs the four services
as separate processes on them. Its own nats-server syncs every write, as Pulih ships it; a
second one with nats-server's default sync (every 2 minutes) gives the publish ceilings for
reference. Exits non-zero only when the machinery fails (a server or service that does not
start, a refused command); never on a timing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench import report
from bench.commands import MachineryError
from bench.phases import Plan, run
from deploy.embedded import start_nats, start_postgres


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="a ~2-minute smoke run: shorter phases, rebuild at 100k only")
    parser.add_argument("--events", type=int, nargs="+", metavar="N",
                        help="log sizes to rebuild at (cumulative; the last is the scale size); "
                        "default 100000 1000000, with --quick 100000")
    parser.add_argument("--rebuild-only", action="store_true",
                        help="only grow the log, read it raw and rebuild at --events sizes "
                        "(and the services' peak RSS): a targeted run for the rebuild")
    parser.add_argument("--commands-only", action="store_true",
                        help="only the commands with 1 and 32 clients and the floors (with and "
                        "without the command-id claim), on a small log: a targeted run for "
                        "the command path (`--repeat N` alternates them N times)")
    parser.add_argument("--repeat", type=int, default=1, metavar="N",
                        help="with --commands-only: rounds of commands and floors")
    parser.add_argument("--no-peer", action="store_true", help="skip the eventsourcing peer")
    parser.add_argument("--profile", action="store_true",
                        help="also sample the busiest processes with py-spy (raw stacks in "
                        "bench/results/profiles/, top functions in the results)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse(argv)
    plan = Plan.quick() if args.quick else Plan.full()
    if args.events:
        plan.sizes = sorted(args.events)
    plan.rebuild_only = args.rebuild_only
    plan.commands_only = args.repeat if args.commands_only else 0
    started, load_start = time.perf_counter(), _load()
    meta = {"mode": "quick" if args.quick else "full",
            "command": " ".join(["python -m bench", *argv]),
            "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
                       f"Python {platform.python_version()}",
            "started": datetime.now(UTC).isoformat(timespec="seconds"), "load_start": load_start}
    with tempfile.TemporaryDirectory(prefix="pulih-bench-") as tmp:
        workdir, servers = Path(tmp), []
        try:
            nats_url = os.environ.get("PULIH_NATS_URL")
            database_url = os.environ.get("PULIH_DATABASE_URL")
            reference = not nats_url  # beside our own durable server only: the same disk
            if not nats_url:
                servers.append(start_nats(workdir))
                nats_url = servers[-1].url
            if not database_url:
                servers.append(start_postgres(workdir))
                database_url = servers[-1].url
            profiles = report.RESULTS / "profiles" if args.profile else None
            results = asyncio.run(run(plan, workdir, nats_url, database_url,
                                      with_peer=not args.no_peer, profile_dir=profiles,
                                      reference=reference))
        except (MachineryError, RuntimeError, OSError) as exc:
            print(f"bench: the machinery failed, nothing was measured: {exc}", file=sys.stderr)
            return 1
        finally:
            for server in reversed(servers):
                server.stop()
    results |= meta | {"duration_s": time.perf_counter() - started, "load_end": _load()}
    if plan.rebuild_only:  # not the whole table: printed, latest.{md,json} left alone
        print(json.dumps({k: results.get(k) for k in ("rebuild", "growth", "memory", "cpu_pct",
                                                      "problems", "load_end")}, indent=1))
        return 1 if results["problems"] else 0
    if plan.commands_only:
        print(report.commands_only(results))
        return 1 if results["failures"]["count"] else 0
    print(report.write(results))
    failures, status = results["failures"], 0
    if failures["count"]:
        print(f"bench: {failures['count']} commands failed or were refused (the scenario sends "
              f"only valid ones): {failures['examples']}", file=sys.stderr)
        status = 1
    for problem in results["problems"]:
        print(f"bench: a measured run went wrong (its figure is void): {problem}",
              file=sys.stderr)
        status = 1
    return status


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


if __name__ == "__main__":
    sys.exit(main())
