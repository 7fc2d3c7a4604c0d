"""The fault suite's two modes: an open nats-server, and one with the identities of
`pulih auth init` (tests/fault/harness.py runs a cluster in either).

`credentials`: the server runs the config `pulih auth init` writes (an officer of each prison the
tests send to), the services get PULIH_NATS_CREDENTIALS (command services as `services`,
reporting as `reporting`, streams created as `admin`), the reports require a bearer token
(PULIH_HTTP_AUTH=on; the test's HTTP client holds an all-prisons token), each prison's commands
go through a connection of its own officer carrying that officer's actor, and the test reads
the log as `reporting`. A restarted server or service comes back with the same credentials.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import httpx
import nats
import nats.errors
import pytest

from ops.auth_cli import write
from ops.tokens import ensure_token_key, issue_token, scope_of

OPEN, CREDENTIALS = "open", "credentials"
MODES = (OPEN, CREDENTIALS)
OPEN_ACTOR = "officer:fault:load"  # an open server authenticates nobody: any actor is taken
OFFICER = "fault"  # the officer of each prison in the credentials mode
# How nats-server 2.15 logs a refused publish or subscription, and a refused connection.
VIOLATIONS = ("Publish Violation", "Subscription Violation", "authentication error",
              "Authorization Violation")


def actor(prison: str) -> str:
    """The actor of `prison`'s officer in the credentials mode (its identity's)."""
    return f"officer:{prison}:{OFFICER}"


def init(credentials: Path, prisons: tuple[str, ...]) -> dict[str, str]:
    """`pulih auth init DIR --officer P:fault ...`; the reports' Authorization header (a token
    for every prison, signed with the key auth init made)."""
    write(credentials, officers=[f"{p}:{OFFICER}" for p in prisons])
    token = issue_token(ensure_token_key(credentials), scope_of(every=True), timedelta(hours=2))
    return {"Authorization": f"Bearer {token}"}


async def refused(nats_url: str, reports_url: str) -> None:
    """The credentials mode is not open in disguise: nats-server refuses a connection without
    a key, the reports a request without a token."""
    with pytest.raises(nats.errors.Error, match="Authorization Violation"):
        await nats.connect(nats_url, allow_reconnect=False, connect_timeout=5)
    async with httpx.AsyncClient(base_url=reports_url) as anonymous:
        assert (await anonymous.get("/evaluation")).status_code == 401


def violations(log_path: Path) -> list[str]:
    """The permission and authentication violations in a nats-server log."""
    text = log_path.read_bytes().decode(errors="replace") if log_path.exists() else ""
    return [line for line in text.splitlines() if any(v in line for v in VIOLATIONS)]
