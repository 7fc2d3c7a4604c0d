"""Fixtures of the fault suite: a cluster of real servers and service processes per test, in
each mode (an open server; `pulih auth init` credentials), and the table of every test's
figures at the end of the run."""

from __future__ import annotations

import pytest

from tests.fault.harness import FIGURES, Cluster
from tests.fault.load import PRISONS
from tests.fault.modes import MODES


@pytest.fixture(params=MODES)
async def cluster(server_dir, request):
    """nats-server, PostgreSQL and the four services as processes, on this test's own data;
    a test narrows the modes with `@pytest.mark.parametrize("cluster", [...], indirect=True)`."""
    running = Cluster(server_dir, request.param, PRISONS)
    try:
        yield await running.start()
    finally:
        await running.stop()


def pytest_terminal_summary(terminalreporter) -> None:
    if FIGURES:
        terminalreporter.section("fault suite figures")
        terminalreporter.write_line("fault | mode | sent | acked | retries | events | lost | "
                                    "doubled | recovery s | note")
        for figure in FIGURES:
            terminalreporter.write_line(figure.row())
