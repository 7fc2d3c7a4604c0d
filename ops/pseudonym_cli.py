"""`pulih pseudonym`: a person's participant_id from their NIK or register number, read from
stdin (never an argument: it would stay in the shell's history), under the office's key file;
`pulih pseudonym new-key FILE` makes a key file (32 random bytes as hex, mode 0600). The value
is never logged nor echoed."""

from __future__ import annotations

import argparse
import os
import secrets
import stat
import sys
from pathlib import Path
from typing import Any

from shared.pseudonym import participant_id


def add_commands(sub: Any) -> None:
    p = sub.add_parser("pseudonym", help="a participant_id from a NIK or register number "
                       "(read from stdin) under the office's key; `new-key FILE` makes a key")
    p.add_argument("--key-file", type=Path, metavar="FILE", help="the office's key file")
    which = p.add_mutually_exclusive_group()
    which.add_argument("--nik", action="store_true", help="stdin holds a NIK (16 digits)")
    which.add_argument("--register-number", action="store_true",
                       help="stdin holds a national register number")
    commands = p.add_subparsers(dest="pseudonym_command")
    new = commands.add_parser("new-key", help="write a new random key to FILE (0600); "
                              "refuses to overwrite")
    new.add_argument("file", type=Path, metavar="FILE")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    try:
        if args.pseudonym_command == "new-key":
            new_key(args.file)
            return 0
        if args.key_file is None or not (args.nik or args.register_number):
            raise ValueError("give --key-file FILE and one of --nik, --register-number")
        value = sys.stdin.readline().rstrip("\r\n")
        kind = "nik" if args.nik else "register_number"
        sys.stdout.write(participant_id(read_key(args.key_file), **{kind: value}) + "\n")
        return 0
    except (OSError, ValueError) as exc:
        sys.stderr.write(f"pulih pseudonym: {exc}\n")
        return 2


def new_key(path: Path) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(secrets.token_hex(32) + "\n")


def read_key(path: Path) -> bytes:
    """The key in `path` (hex); refused when others than its owner may read it."""
    if stat.S_IMODE(path.stat().st_mode) & 0o077:
        raise ValueError(f"{path}: the key file must be readable by its owner only (chmod 600)")
    try:
        return bytes.fromhex(path.read_text().strip())
    except ValueError:
        raise ValueError(f"{path}: not a key file (hex)") from None
