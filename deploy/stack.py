"""Run services in one process, with embedded servers when no external ones are named."""

from __future__ import annotations

import contextlib
import json
import socket
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlparse

import structlog

from shared.credentials import REPORTING
from shared.credentials import SERVICES as SERVICES_IDENTITY
from shared.metrics import serve_metrics
from shared.runtime import Runtime, serve
from shared.settings import Settings

log = structlog.get_logger(__name__)
SERVICES = ("agreements", "programs", "attendance", "reporting")
ANNOUNCE = "servers.json"
CREDENTIALS = "credentials"  # the announced credentials directory of the embedded NATS


@contextlib.contextmanager
def servers(settings: Settings, need_database: bool) -> Iterator[tuple[str, str | None]]:
    """The NATS and PostgreSQL URLs to use: the configured ones; else the embedded servers a
    running `pulih up` on the same PULIH_DATA_DIR announced; else embedded servers started here
    on free ports, announced for other `pulih` commands, and stopped on exit."""
    from deploy.embedded import start_nats, start_postgres

    announced = _announced(settings.data_dir)
    with contextlib.ExitStack() as stack:
        nats_url = settings.nats_url or announced.get("nats")
        database_url = settings.database_url or announced.get("postgres")
        started: dict[str, str] = {}
        if nats_url is None:
            from deploy.identities import embedded_credentials, how_to_connect

            credentials = embedded_credentials(settings)
            server = start_nats(settings.data_dir, auth=credentials)
            stack.callback(server.stop)
            nats_url = started["nats"] = server.url
            started[CREDENTIALS] = str(credentials)
            log.info("embedded_nats_started", url=nats_url)
            how_to_connect(credentials, nats_url)
        if database_url is None and need_database:
            server = start_postgres(settings.data_dir)
            stack.callback(server.stop)
            database_url = started["postgres"] = server.url
            log.info("embedded_postgres_started", url=database_url)
        if started:
            _announce(settings.data_dir, {**announced, **started}, stack)
        yield nats_url, database_url


def in_use(settings: Settings) -> dict[str, tuple[str | None, str]]:
    """The servers other `pulih` commands would use, without starting any: `{"nats": (url,
    how), "postgres": (url, how)}`, how `external` (PULIH_NATS_URL / PULIH_DATABASE_URL),
    `embedded` (announced by a running `pulih up` on this PULIH_DATA_DIR) or `none` (url
    None: neither)."""
    announced = _announced(settings.data_dir)
    found = {}
    for name, configured in (("nats", settings.nats_url), ("postgres", settings.database_url)):
        url = configured or announced.get(name)
        found[name] = (url, "external" if configured else "embedded" if url else "none")
    return found


def secured(settings: Settings) -> Settings:
    """`settings` with the credentials to connect with: PULIH_NATS_CREDENTIALS, else those of
    the embedded NATS server this data dir runs (announced in servers.json), else none. Call it
    inside `servers()`."""
    if settings.nats_credentials is not None or settings.nats_url is not None:
        return settings
    announced = _announced(settings.data_dir)
    if CREDENTIALS not in announced:
        return settings
    return replace(settings, nats_credentials=Path(announced[CREDENTIALS]))


def _announced(data_dir: Path) -> dict[str, str]:
    """Servers another pulih process started here, if they still answer (and the credentials
    of its NATS server)."""
    try:
        urls = json.loads((data_dir / ANNOUNCE).read_text())
    except (OSError, ValueError):
        return {}
    found = {k: v for k, v in urls.items() if k != CREDENTIALS and _answers(v)}
    if "nats" in found and CREDENTIALS in urls:
        found[CREDENTIALS] = urls[CREDENTIALS]
    return found


def _announce(data_dir: Path, urls: dict[str, str], stack: contextlib.ExitStack) -> None:
    path = data_dir / ANNOUNCE
    path.write_text(json.dumps(urls))
    stack.callback(lambda: path.unlink(missing_ok=True))


def _answers(url: str) -> bool:
    parsed = urlparse(url)
    with contextlib.suppress(OSError), socket.create_connection(
            (parsed.hostname, parsed.port), timeout=0.5):
        return True
    return False


def installers() -> dict[str, Callable[[Runtime], object]]:
    from services.agreements.main import install as agreements
    from services.attendance.main import install as attendance
    from services.programs.main import install as programs
    from services.reporting.main import install as reporting

    return {"agreements": agreements, "programs": programs, "attendance": attendance,
            "reporting": reporting}


async def run(settings: Settings, names: list[str], nats_url: str, database_url: str | None,
              before_serving: Callable[[Runtime], object] | None = None) -> None:
    """The services in one process. With credentials, the command services and reporting
    connect as their own identities (two runtimes); without, one runtime as ever."""
    groups = [names]
    if settings.nats_credentials is not None:
        groups = [[n for n in names if n != "reporting"], [n for n in names if n == "reporting"]]
    table = installers()
    runtimes = []
    for group in filter(None, groups):
        identity = REPORTING if group == ["reporting"] else SERVICES_IDENTITY
        rt = Runtime(settings, nats_url, database_url, identity=identity)
        await rt.open()
        for name in group:
            table[name](rt)
        runtimes.append(rt)
    if settings.metrics_port is not None:  # one registry per process: every service's series
        runtimes[0].job(lambda: serve_metrics(settings.http_host, settings.metrics_port))
    if before_serving is not None:
        first = runtimes[0]
        first.first(lambda: before_serving(first))
    log.info("pulih_serving", services=names, http_port=settings.http_port,
             metrics_port=settings.metrics_port,
             credentials=str(settings.nats_credentials) if settings.nats_credentials else None)
    await serve(*runtimes)
