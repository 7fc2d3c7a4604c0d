"""Run services in one process, with embedded servers when no external ones are named."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

import structlog

from shared.runtime import Runtime
from shared.settings import Settings

log = structlog.get_logger(__name__)
SERVICES = ("agreements", "programs", "attendance", "reporting")


@contextlib.contextmanager
def servers(settings: Settings, need_database: bool) -> Iterator[tuple[str, str | None]]:
    """The NATS and PostgreSQL URLs to use: the configured ones, else embedded servers started
    under PULIH_DATA_DIR on free ports and stopped on exit."""
    from shared.embedded import start_nats, start_postgres

    with contextlib.ExitStack() as stack:
        nats_url, database_url = settings.nats_url, settings.database_url
        if nats_url is None:
            server = start_nats(settings.data_dir)
            stack.callback(server.stop)
            nats_url = server.url
            log.info("embedded_nats_started", url=nats_url)
        if database_url is None and need_database:
            server = start_postgres(settings.data_dir)
            stack.callback(server.stop)
            database_url = server.url
            log.info("embedded_postgres_started", url=database_url)
        yield nats_url, database_url


def installers() -> dict[str, Callable[[Runtime], object]]:
    from services.agreements.main import install as agreements

    table: dict[str, Callable[[Runtime], object]] = {"agreements": agreements}
    with contextlib.suppress(ImportError):
        from services.reporting.main import install as reporting

        table["reporting"] = reporting
    with contextlib.suppress(ImportError):
        from services.programs.main import install as programs

        table["programs"] = programs
    with contextlib.suppress(ImportError):
        from services.attendance.main import install as attendance

        table["attendance"] = attendance
    return table


async def run(settings: Settings, names: list[str], nats_url: str, database_url: str | None,
              before_serving: Callable[[Runtime], object] | None = None) -> None:
    rt = Runtime(settings, nats_url, database_url)
    await rt.open()
    table = installers()
    for name in names:
        if name in table:
            table[name](rt)
        else:
            log.warning("service_not_available", service=name)
    if before_serving is not None:
        rt.first(lambda: before_serving(rt))
    log.info("pulih_serving", services=names, http_port=settings.http_port)
    await rt.serve_forever()
