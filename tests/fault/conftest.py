"""Fixtures of the fault suite: a cluster of real servers and service processes per test, and
the table of every test's figures at the end of the run."""

from __future__ import annotations

import pytest

from tests.fault.harness import FIGURES, Cluster


@pytest.fixture
async def cluster(server_dir):
    """nats-server, PostgreSQL and the four services as processes, on this test's own data."""
    running = Cluster(server_dir)
    try:
        yield await running.start()
    finally:
        await running.stop()


def pytest_terminal_summary(terminalreporter) -> None:
    if FIGURES:
        terminalreporter.section("fault suite figures")
        terminalreporter.write_line("fault | sent | acked | retries | events | lost | doubled | "
                                    "recovery s | note")
        for figure in FIGURES:
            terminalreporter.write_line(figure.row())
