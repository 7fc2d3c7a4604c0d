"""`pulih auth init`: the NATS identities of a deployment and the server config that enforces
their permissions (ops/identities.py, ops/natsconf.py).

`auth` is a group of subcommands: `add_commands` returns the group's subparsers, to which other
modules add their own commands (each setting `run`, called as `run(settings, args)`).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ops.identities import IdentityError, extend, write_atomic
from ops.natsconf import config_text
from ops.tokens import ensure_token_key
from shared.credentials import inbox_prefix

CONFIG = "nats-server.conf"


def add_commands(sub: Any) -> argparse._SubParsersAction:
    """The `auth` group with `init`; returns the group's subparsers for other commands."""
    auth = sub.add_parser("auth", help="identities and credentials (NATS keys, HTTP tokens)")
    commands = auth.add_subparsers(dest="auth_command", required=True)
    init = commands.add_parser(
        "init", help="create or extend the NATS identities in DIR: nkey seeds (0600), "
        "identities.json and nats-server.conf; existing keys are kept")
    init.add_argument("dir", type=Path, metavar="DIR")
    init.add_argument("--prison", action="append", default=[], metavar="P",
                      help="a prison id (its own NATS account); repeatable")
    init.add_argument("--officer", action="append", default=[], metavar="P:NAME",
                      help="an officer of prison P (adds P); repeatable")
    init.add_argument("--subscriber", action="append", default=[], metavar="NAME=FILTER",
                      help="a system reading the events matching FILTER, e.g. "
                           "partner=pulih.events.lapas-a.>; repeatable")
    init.add_argument("--region", action="append", default=[], metavar="KANWIL=P1,P2",
                      help="a regional office (Kanwil) and the prisons it covers (its own "
                           "NATS account, sending only their SetQuota and AssignKanwil); "
                           "prisons are added to those it had; repeatable")
    init.add_argument("--region-user", action="append", default=[], metavar="KANWIL:NAME",
                      help="a user of region KANWIL (actor region:KANWIL:NAME, seed "
                           "region-KANWIL-NAME.nk); repeatable")
    init.set_defaults(run=run_init)  # each `auth` command sets its own `run`
    return commands


def run_init(settings: Any, args: argparse.Namespace) -> int:
    try:
        created = write(args.dir, args.prison, args.officer, args.subscriber, args.region,
                        args.region_user)
    except (IdentityError, OSError) as exc:
        sys.stderr.write(f"pulih auth init: {exc}\n")
        return 2
    for identity in created:
        sys.stderr.write(f"created {identity.stem}: {args.dir / (identity.stem + '.nk')} "
                         f"(public key {identity.public_key}, inbox "
                         f"{inbox_prefix(identity.stem)})\n")
    sys.stderr.write(f"wrote {args.dir / CONFIG}; a running nats-server applies it on "
                     "`nats-server --signal reload=PID` (or SIGHUP); after adding a prison, "
                     "reload twice (nats-server 2.15.1 wires a new account's import on the "
                     "second reload)\n")
    return 0


def write(directory: Path, prisons: list[str] = (), officers: list[str] = (),
          subscribers: list[str] = (), regions: list[str] = (),
          region_users: list[str] = ()) -> list:
    """Extend the identities in `directory` and rewrite its server config; the new ones."""
    model, created = extend(directory, prisons, officers, subscribers, regions, region_users)
    write_atomic(directory / CONFIG, config_text(model), 0o600)
    ensure_token_key(directory)  # the reports' bearer tokens are signed with it
    return created
