"""`pulih audit`: verify the log's integrity (live or an export), and who did what, when, why.

The checks live in ops/checks.py (walked by ops/verify.py), the history in ops/history.py;
this is the command.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
from pathlib import Path
from typing import Any

from ops.checks import Broken, Summary
from ops.events import slug
from ops.history import history, history_json, history_row, history_text
from ops.verify import entry, verify_file, verify_live
from shared.credentials import REPORTING, connect_options
from shared.envelope import AGGREGATE_TYPES
from shared.eventlog import LogError, connect
from shared.fields import UUID_PATTERN
from shared.identities import Identities, IdentitiesError


def add_commands(sub: Any) -> None:
    audit = sub.add_parser("audit", help="verify the log's integrity; an aggregate's history")
    commands = audit.add_subparsers(dest="audit_command", required=True)
    check = commands.add_parser("verify", help="check every event: hash, chain, versions, "
                                "schema, subject, msg id, sequence holes; exit 1 at the first "
                                "broken link")
    source = check.add_mutually_exclusive_group()
    source.add_argument("--file", type=Path, help="verify an export of `pulih events export`")
    source.add_argument("--prison", type=slug,
                        help="verify only this prison's events in the live log")
    check.add_argument("--identities", type=Path, metavar="DIR",
                       help="a credentials directory (default: PULIH_NATS_CREDENTIALS): also "
                       "warn of events whose actor is no identity known when they were recorded "
                       "(exit 3)")
    show = commands.add_parser("history", help="who did what, when, why: one line per event")
    show.add_argument("aggregate_type", choices=AGGREGATE_TYPES)
    show.add_argument("aggregate_id", type=_uuid)
    show.add_argument("--json", action="store_true", help="machine-readable output")
    show.add_argument("--prison", type=slug,
                      help="only this prison's aggregate of that id (ids are unique within a "
                      "prison only)")
    audit.set_defaults(run=run)


def _uuid(value: str) -> str:
    if not re.fullmatch(UUID_PATTERN, value):
        raise argparse.ArgumentTypeError("not a canonical lowercase UUID")
    return value


def run(settings: Any, args: argparse.Namespace) -> int:
    """Exit 0: verified (or the history shown); 1: a broken link (or no such aggregate);
    2: the log, the file or the identities cannot be read; 3: verified, but some events' actor
    is no identity known when they were recorded."""
    from deploy import stack
    from shared.runtime import tune_gc

    tune_gc()  # a walk of the whole log allocates millions of short-lived objects
    try:
        if args.audit_command == "verify" and args.file is not None:
            try:
                return _verdict(verify_file(args.file, _identities(settings, args)))
            except Broken as broken:
                return _verdict(broken)
        with stack.servers(settings, need_database=False) as (nats_url, _):
            secured = stack.secured(settings)
            options = connect_options(secured.nats_credentials, REPORTING)
            return asyncio.run(_run(nats_url, args, options, _identities(secured, args)))
    except (LogError, OSError, IdentitiesError) as exc:
        sys.stderr.write(f"pulih audit: {exc}\n")
        return 2


def _identities(settings: Any, args: argparse.Namespace) -> Identities | None:
    if args.audit_command != "verify":
        return None
    directory = args.identities or settings.nats_credentials
    return None if directory is None else Identities.load(directory)


def _verdict(result: Summary | Broken) -> int:
    sys.stdout.write(result.report())
    if isinstance(result, Broken):
        return 1
    return 3 if result.warnings else 0


async def _run(nats_url: str, args: argparse.Namespace, options: dict[str, Any],
               identities: Identities | None = None) -> int:
    nc = await connect(nats_url, "pulih-audit", **options)
    try:
        if args.audit_command == "verify":
            try:
                return _verdict(await verify_live(nc, args.prison, identities))
            except Broken as broken:
                return _verdict(broken)
        messages = await history(nc, args.aggregate_type, args.aggregate_id,
                                 args.prison or "*")
    finally:
        await nc.close()
    if not messages:
        sys.stderr.write(f"pulih audit history: no events for {args.aggregate_type} "
                         f"{args.aggregate_id}\n")
        return 1
    rows = [history_row(m.seq, entry(m).envelope) for m in messages]
    sys.stdout.write(history_json(args.aggregate_type, args.aggregate_id, rows) if args.json
                     else history_text(args.aggregate_type, args.aggregate_id, rows))
    return 0

