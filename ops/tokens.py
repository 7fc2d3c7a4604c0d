"""`pulih auth token DIR (--prison P | --region NAME=P1,P2 | --all) [--ttl DURATION]`: a bearer
token for the reports, signed with DIR's Ed25519 key (claims: services.reporting.http.tokens).

`ensure_token_key(DIR)` creates `http-token.key` (private, PEM, mode 0600) and `http-token.pub`
on first use and reads them after; `pulih auth init` calls it too.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ops.events import slug
from services.reporting.http.tokens import (
    ALL,
    ISSUER,
    OWN_ALGORITHM,
    PRISONS,
    PRIVATE_KEY_FILE,
    PUBLIC_KEY_FILE,
    REGION,
)

DEFAULT_TTL = "7d"
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def ensure_token_key(directory: Path) -> Ed25519PrivateKey:
    """DIR's token-signing key, created (with its public half) when absent. An existing key
    is never replaced: the tokens it signed stay valid."""
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    private = directory / PRIVATE_KEY_FILE
    try:
        # O_EXCL: of two first runs at once, one creates the key, the other reads it.
        fd = os.open(private, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        key = serialization.load_pem_private_key(private.read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError(f"{private.name} is not an Ed25519 private key") from None
    else:
        key = Ed25519PrivateKey.generate()
        with os.fdopen(fd, "wb") as out:
            out.write(key.private_bytes(serialization.Encoding.PEM,
                                        serialization.PrivateFormat.PKCS8,
                                        serialization.NoEncryption()))
    public = directory / PUBLIC_KEY_FILE
    if not public.exists():
        public.write_bytes(key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    return key


def issue_token(key: Ed25519PrivateKey, scope: dict[str, Any], ttl: timedelta,
                now: datetime | None = None) -> str:
    """A signed token for `scope` (`scope_of`'s claims), valid for `ttl` from `now`."""
    issued = int((now or datetime.now(UTC)).timestamp())
    claims = {"iss": ISSUER, "iat": issued, "exp": issued + int(ttl.total_seconds()), **scope}
    return jwt.encode(claims, key, algorithm=OWN_ALGORITHM)


def scope_of(prison: str | None = None, region: tuple[str, list[str]] | None = None,
             every: bool = False) -> dict[str, Any]:
    """The claims naming what a token covers, and its `sub`."""
    if every:
        return {"sub": "all", ALL: True}
    if region is not None:
        name, prisons = region
        return {"sub": f"region:{name}", REGION: name, PRISONS: prisons}
    assert prison is not None
    return {"sub": f"prison:{prison}", PRISONS: [prison]}


def duration(value: str) -> timedelta:
    """`90s`, `30m`, `12h`, `7d` or `2w`."""
    match = re.fullmatch(r"([1-9][0-9]{0,6})([smhdw])", value)
    if not match:
        raise argparse.ArgumentTypeError("a duration: a number and a unit, s, m, h, d or w "
                                         "(e.g. 12h, 7d)")
    return timedelta(seconds=int(match[1]) * _UNITS[match[2]])


def region(value: str) -> tuple[str, list[str]]:
    """`NAME=P1,P2`: a region's name and its prisons."""
    name, _, listed = value.partition("=")
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,62}", name) or not listed:
        raise argparse.ArgumentTypeError("NAME=P1,P2: a region name (lowercase letters, "
                                         "digits, -) and its prison ids")
    return name, sorted({slug(p.strip()) for p in listed.split(",")})


def add_commands(auth_commands: Any) -> None:
    """Adds `token` to the `pulih auth` subcommands."""
    token = auth_commands.add_parser(
        "token", help="print a bearer token for the reports (a signed JWT naming the prisons "
        "it covers); creates DIR/http-token.key on first use")
    token.add_argument("dir", type=Path, metavar="DIR", help="the credentials directory")
    scope = token.add_mutually_exclusive_group(required=True)
    scope.add_argument("--prison", type=slug, help="one prison's rows")
    scope.add_argument("--region", type=region, metavar="NAME=P1,P2",
                       help="the rows of a region's prisons")
    scope.add_argument("--all", action="store_true", help="every prison's rows")
    token.add_argument("--ttl", type=duration, default=duration(DEFAULT_TTL),
                       metavar="DURATION", help=f"valid for (default {DEFAULT_TTL}): 12h, 30d…")
    token.set_defaults(run=run_token)


def run_token(_settings: object, args: argparse.Namespace) -> int:
    key = ensure_token_key(args.dir)
    scope = scope_of(args.prison, args.region, args.all)
    sys.stdout.write(issue_token(key, scope, args.ttl) + "\n")
    return 0
