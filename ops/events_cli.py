"""The `pulih events` command line: export, import (restore), tail."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path
from typing import Any

from ops.events import export, slug, start_of, tail
from shared.contract.events import EVENT_AGGREGATES
from shared.credentials import REPORTING, SERVICES, connect_options, ensure_streams
from shared.eventlog import LogError, connect, subject_filter


def add_commands(sub: Any) -> None:
    events = sub.add_parser("events", help="export or follow the event log as stored")
    commands = events.add_subparsers(dest="events_command", required=True)
    exp = commands.add_parser("export", help="write the log as JSON Lines (stdout by default)")
    exp.add_argument("--out", metavar="FILE", help="write to FILE instead of stdout")
    exp.add_argument("--from", dest="from_seq", type=_seq, default=1, metavar="SEQ",
                     help="first stream sequence to export (default 1)")
    exp.add_argument("--prison", type=slug, help="only this prison's events")
    imp = commands.add_parser("import", help="restore a whole export into an empty log, byte "
                              "for byte (refused: an export that does not verify, a partial "
                              "one, a log that is not empty)")
    imp.add_argument("file", type=Path, metavar="FILE", help="an export of `pulih events export`")
    fol = commands.add_parser("tail", help="follow the log live, one JSON line per event")
    fol.add_argument("--prison", type=slug, help="only this prison's events")
    fol.add_argument("--type", dest="event_type", choices=sorted(EVENT_AGGREGATES),
                     metavar="TYPE", help="only events of this type, e.g. SessionHeld")
    fol.add_argument("--from", dest="start", type=_start, metavar="SEQ|TIME",
                     help="start at a stream sequence or an RFC 3339 instant (default: new "
                          "events only)")
    events.set_defaults(run=run)


def _start(value: str) -> str:
    try:
        start_of(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return value


def _seq(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError("not a stream sequence (an integer ≥ 1)")
    return int(value)


def run(settings: Any, args: argparse.Namespace) -> int:
    from deploy import stack
    from shared.runtime import tune_gc

    tune_gc()  # a read of the whole log allocates millions of short-lived objects
    if args.events_command == "import":
        from ops.restore import Refused, check_file

        try:  # refused before any server is started or reached
            args.checked = check_file(args.file)
        except OSError as exc:
            sys.stderr.write(f"pulih events import: {exc}\n")
            return 2
        except Refused as exc:
            sys.stderr.write(f"pulih events import: refused: {exc}\n")
            return 1
    with stack.servers(settings, need_database=False) as (nats_url, _):
        try:
            return asyncio.run(_run(nats_url, args, stack.secured(settings).nats_credentials))
        except LogError as exc:
            sys.stderr.write(f"pulih events: {exc}\n")
            return 2
        except KeyboardInterrupt:
            return 0
        except BrokenPipeError:
            return quiet_stdout()


def quiet_stdout() -> int:
    """After the reader of our stdout went away: no second error when Python flushes it."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    return 0


async def _run(nats_url: str, args: argparse.Namespace, credentials: Path | None) -> int:
    """An import appends (as `services`, after `admin` ensured the streams); the others read
    (as `reporting`)."""
    importing = args.events_command == "import"
    if importing:
        await ensure_streams(nats_url, credentials)
    identity = SERVICES if importing else REPORTING
    nc = await connect(nats_url, "pulih-events", **connect_options(credentials, identity))
    try:
        if args.events_command == "import":
            return await _import(nc, args.file, args.checked)
        if args.events_command == "tail":
            def write(data: bytes) -> None:
                sys.stdout.buffer.write(data)
                sys.stdout.buffer.flush()

            await tail(nc, subject_filter(args.prison, args.event_type), args.start, write)
            return 0
        if args.out:
            with open(args.out, "wb") as out:
                count = await export(nc, out, args.from_seq, args.prison)
            sys.stderr.write(f"pulih events export: {count} events to {args.out}\n")
        else:
            await export(nc, sys.stdout.buffer, args.from_seq, args.prison)
        return 0
    finally:
        await nc.close()


async def _import(nc: Any, path: Path, checked: Any) -> int:
    from ops.restore import ImportFailed, Refused, restore

    try:
        summary = await restore(nc, path, checked)
    except (Refused, ImportFailed) as exc:
        what = "refused" if isinstance(exc, Refused) else "failed"
        sys.stderr.write(f"pulih events import: {what}: {exc}\n")
        return 1
    span = f", seq 1..{summary.last_seq}" if summary.events else ""
    sys.stderr.write(f"pulih events import: {summary.events} events restored from {path}"
                     f"{span}\n")
    return 0
