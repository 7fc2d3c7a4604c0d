"""`pulih status`: in one table, the servers in use, the log's size and how far each
projection of the live read-model is behind it — read straight from NATS and PostgreSQL (the
stream's info; the runner's `checkpoint` and `parked` tables, what `/health` reads), so it
answers whether or not the reporting service runs. It never starts a server.

Exit status: 0 every server reachable; 1 a server unreachable (or none configured and no
`pulih up` running on this PULIH_DATA_DIR); 2 a bad environment.
"""

from __future__ import annotations

import argparse
import asyncio
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlparse, urlunparse

import asyncpg
import nats
import orjson

from ops.status_table import render
from shared.credentials import REPORTING, connect_options
from shared.envelope import STREAM
from shared.eventlog import find_stream_state

WITHIN = 5.0  # seconds to reach a server before it counts as unreachable
SECRET_PARAMS = {"password", "sslpassword", "token", "passfile"}


def add_commands(sub: Any) -> None:
    status = sub.add_parser("status", help="the servers in use, the log's size, each "
                            "projection's lag and parked events (exit 1: a server unreachable)")
    status.add_argument("--json", action="store_true", help="machine-readable output")
    status.set_defaults(run=run)


def run(settings: Any, args: argparse.Namespace) -> int:
    import sys

    from deploy import stack

    found = stack.in_use(settings)
    report = asyncio.run(gather(stack.secured(settings), found))
    sys.stdout.write(orjson.dumps(report, option=orjson.OPT_INDENT_2).decode() + "\n"
                     if args.json else render(report))
    return 0 if all(s["reachable"] for s in report["servers"].values()) else 1


async def gather(settings: Any, found: dict[str, tuple[str | None, str]]) -> dict[str, Any]:
    """Everything `pulih status` shows, as its `--json` prints it."""
    servers = {name: {"url": without_secret(url), "how": how, "reachable": False,
                      "error": None if url else "not configured, and no `pulih up` running "
                      "on this PULIH_DATA_DIR"} for name, (url, how) in found.items()}
    nats_url, database_url = found["nats"][0], found["postgres"][0]
    stream, checkpoint = await asyncio.gather(  # both at once: an unreachable one waits
        _stream(nats_url, settings, servers["nats"]) if nats_url else _nothing(),
        _checkpoint(database_url, settings.readmodel_schema, servers["postgres"])
        if database_url else _nothing())
    return {"servers": servers, "stream": stream,
            **_projections(stream, checkpoint, settings.readmodel_schema),
            "sites": []}  # per-site catch-up: none until sites exist


async def _stream(url: str, settings: Any, server: dict[str, Any]) -> dict[str, Any] | None:
    try:
        await _answers(url)  # nats-py would retry a refused first connection until WITHIN
        options = connect_options(settings.nats_credentials, REPORTING)
        nc = await asyncio.wait_for(nats.connect(
            url, name="pulih-status", connect_timeout=2, allow_reconnect=False,
            max_reconnect_attempts=0, error_cb=_quiet, **options), WITHIN)
    except (TimeoutError, OSError, nats.errors.Error) as exc:
        server["error"] = _why(exc)
        return None
    try:
        state = await find_stream_state(nc)
        server["reachable"] = True
    except Exception as exc:  # noqa: BLE001 - any failure is the server's state, shown
        server["error"] = _why(exc)
        return None
    finally:
        await nc.close()
    if state is None:
        return {"name": STREAM, "exists": False, "messages": 0, "bytes": 0, "first_seq": 0,
                "last_seq": 0}
    return {"name": STREAM, "exists": True, "messages": state.messages, "bytes": state.bytes,
            "first_seq": state.first_seq, "last_seq": state.last_seq}


async def _checkpoint(url: str, schema: str, server: dict[str, Any]
                      ) -> tuple[int, dict[str, int]] | None:
    from services.reporting.read.health import live_state
    from services.reporting.read.live import readmodel

    try:
        pool = await asyncpg.create_pool(url, min_size=1, max_size=1, timeout=WITHIN)
    except Exception as exc:  # noqa: BLE001 - unreachable, refused, bad password: shown
        server["error"] = _why(exc)
        return None
    try:
        async with readmodel(pool, schema) as conn:
            found = await live_state(conn)
        server["reachable"] = True
        return found
    except Exception as exc:  # noqa: BLE001
        server["error"] = _why(exc)
        return None
    finally:
        await pool.close()


def _projections(stream: dict[str, Any] | None, checkpoint: tuple[int, dict[str, int]] | None,
                 schema: str) -> dict[str, Any]:
    """The projections as `/health` shows them (null figures when a server is unreachable)
    and the problem the runner would report when the read-model is ahead of the log."""
    from services.reporting.projections import projections
    from services.reporting.read.health import projection_health

    names = [p.name for p in projections()]
    problem = None
    if checkpoint is None:
        rows = {n: dict.fromkeys(("last_seq", "lag", "parked")) for n in names}
    else:
        applied, parked = checkpoint
        rows = projection_health(names, stream["last_seq"] if stream else applied, applied,
                                 parked)
        if stream is None:  # NATS unreachable: how far behind is unknown
            for row in rows.values():
                row["lag"] = None
        elif applied > stream["last_seq"]:
            problem = (f"the read-model has applied seq {applied}, past the log's last "
                       f"{stream['last_seq']}: the log went backwards or was replaced "
                       "(`pulih replay` rebuilds it)")
    return {"schema": schema, "projections": rows, "problem": problem}


def without_secret(url: str | None) -> str | None:
    """The URL without its password (or a NATS token given as the user) and secret query
    parameters."""
    if url is None:
        return None
    parts = urlparse(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    if parts.port is not None:
        host += f":{parts.port}"
    user = parts.username
    if user and parts.password is None and parts.scheme.startswith(("nats", "tls", "ws")):
        user = None  # nats://TOKEN@host: the token is the secret
    netloc = f"{user}@{host}" if user else host
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query) if k not in SECRET_PARAMS])
    return urlunparse(parts._replace(netloc=netloc, query=query))


async def _answers(url: str) -> None:
    """OSError unless something listens at the URL's first address."""
    first = urlparse(url.split(",")[0])
    _, writer = await asyncio.wait_for(asyncio.open_connection(
        first.hostname or "127.0.0.1", first.port or 4222), WITHIN)
    writer.close()


async def _nothing() -> None:
    return None


def _why(exc: BaseException) -> str:
    """One line on why, never the URL (it may carry a password)."""
    if isinstance(exc, TimeoutError):
        return f"no answer within {WITHIN:g} s"
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


async def _quiet(error: Exception) -> None:
    pass
