"""Run services in one process, with embedded servers when no external ones are named."""

from __future__ import annotations

import contextlib
import json
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlparse

import structlog

from shared.runtime import Runtime
from shared.settings import Settings

log = structlog.get_logger(__name__)
SERVICES = ("agreements", "programs", "attendance", "reporting")
ANNOUNCE = "servers.json"


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
            server = start_nats(settings.data_dir)
            stack.callback(server.stop)
            nats_url = started["nats"] = server.url
            log.info("embedded_nats_started", url=nats_url)
        if database_url is None and need_database:
            server = start_postgres(settings.data_dir)
            stack.callback(server.stop)
            database_url = started["postgres"] = server.url
            log.info("embedded_postgres_started", url=database_url)
        if started:
            _announce(settings.data_dir, {**announced, **started}, stack)
        yield nats_url, database_url


def _announced(data_dir: Path) -> dict[str, str]:
    """Servers another pulih process started here, if they still answer."""
    try:
        urls = json.loads((data_dir / ANNOUNCE).read_text())
    except (OSError, ValueError):
        return {}
    return {k: v for k, v in urls.items() if _answers(v)}


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
    rt = Runtime(settings, nats_url, database_url)
    await rt.open()
    table = installers()
    for name in names:
        table[name](rt)
    if before_serving is not None:
        rt.first(lambda: before_serving(rt))
    log.info("pulih_serving", services=names, http_port=settings.http_port)
    await rt.serve_forever()
