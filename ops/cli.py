"""The `pulih` command."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys

from deploy import stack
from ops import audit, auth_cli, events_cli, pseudonym_cli, status, tokens
from services.reporting.http.tokens import NoTokenKey
from shared import logs
from shared.progress import ProgressError
from shared.progress import choice as progress_choice
from shared.settings import Settings, SettingsError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="pulih", description="Pulih: rehabilitation "
                                     "partnerships, event-sourced.")
    sub = parser.add_subparsers(dest="command", required=True)
    up = sub.add_parser("up", help="run every service in one process (embedded servers "
                        "unless PULIH_NATS_URL / PULIH_DATABASE_URL are set)")
    up.add_argument("--demo", action="store_true",
                    help="load the Banyuwangi scenario when the log is empty")
    run = sub.add_parser("run", help="run one service on its own")
    run.add_argument("service", choices=stack.SERVICES)
    replay = sub.add_parser("replay", help="rebuild read-models from sequence 1 (blue/green), "
                            "or build them as they were at a past point")
    replay.add_argument("--projection", default="all", help="a projection name, or all")
    replay.add_argument("--parked", action="store_true",
                        help="rebuild the projections that have parked events")
    replay.add_argument("--until", help="a stream sequence or an RFC 3339 instant")
    replay.add_argument("--into", help="name of the past read-model (served with ?as_of=NAME)")
    events_cli.add_commands(sub)
    audit.add_commands(sub)
    tokens.add_commands(auth_cli.add_commands(sub))  # `auth init`, then `auth token`
    pseudonym_cli.add_commands(sub)
    status.add_commands(sub)
    args = parser.parse_args(argv)
    if args.command == "pseudonym":  # offline: no settings, no logging of anything it reads
        return args.run(args)

    logs.configure()
    try:
        settings = Settings.from_env()
        progress_choice()  # PULIH_PROGRESS checked before any long command starts
    except (SettingsError, ProgressError) as exc:
        sys.stderr.write(f"pulih: {exc}\n")
        return 2
    if args.command == "up":
        return _serve(settings, list(stack.SERVICES), demo=args.demo)
    if args.command == "run":
        return _serve(settings, [args.service], demo=False)
    if args.command in ("events", "audit", "auth", "status"):
        return args.run(settings, args)
    if args.command == "replay":
        from services.reporting.rebuild import replay as do_replay
        from shared.metrics import start_metrics

        if settings.metrics_port is not None:  # its progress, while it runs
            try:
                start_metrics(settings.http_host, settings.metrics_port)
            except OSError as exc:  # a service of this host has the port: replay anyway
                sys.stderr.write(f"pulih: metrics not served on PULIH_METRICS_PORT: {exc}\n")

        with stack.servers(settings, need_database=True) as (nats_url, database_url):
            settings = stack.secured(settings)
            return asyncio.run(do_replay(settings, nats_url, database_url, args.projection,
                                         args.until, args.into, args.parked))
    return 2


def _serve(settings: Settings, names: list[str], demo: bool) -> int:
    hook = None
    if demo:
        from deploy.demo import load_demo

        hook = load_demo
    need_db = "reporting" in names
    try:
        with stack.servers(settings, need_database=need_db) as (nats_url, database_url), \
                contextlib.suppress(KeyboardInterrupt):
            asyncio.run(stack.run(stack.secured(settings), names, nats_url, database_url, hook))
    except NoTokenKey as exc:  # the reports would answer every request 401: say how to fix it
        sys.stderr.write(f"pulih: {exc}\n")
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
