"""Loading the demo region through the public contract: each prison's commands from its own
officer (`officer:{prison}:demo`), the Kanwil's from the region identity
(`region:kanwil-jatim:demo`), every prison at once, each in `deploy.demo.batches` groups, with
progress logged. Every command id is derived from its content: loading again writes nothing."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import nats
import structlog
from nats.aio.client import Client

from deploy.demo import DEMO_OFFICER, Command, batches, send
from deploy.demo_region import REGION_ACTOR, region
from deploy.demo_region.prisons import KANWIL, REGION_USER
from shared import credentials as identities

log = structlog.get_logger(__name__)
PROGRESS_EVERY = 500


@contextlib.asynccontextmanager
async def _connection(nc: Client, nats_url: str, credentials: Path | None,
                      identity: str) -> AsyncIterator[Client]:
    """`nc` on an open server; else a connection of `identity`, as any client would send."""
    if credentials is None:
        yield nc
        return
    own = await nats.connect(nats_url, name="pulih-demo", **identities.connect_options(
        credentials, identity))
    try:
        yield own
    finally:
        await own.drain()


class Progress:
    def __init__(self, total: int) -> None:
        self.total, self.sent, self.logged, self.started = total, 0, 0, time.monotonic()

    def add(self, n: int) -> None:
        self.sent += n
        if self.sent - self.logged >= PROGRESS_EVERY or self.sent == self.total:
            self.logged = self.sent
            log.info("demo_loading", sent=self.sent, of=self.total,
                     seconds=round(time.monotonic() - self.started, 1))


async def _send_all(nc: Client, prison: str, commands: list[Command], sender: str,
                    progress: Progress) -> list[dict[str, Any]]:
    replies: list[dict[str, Any]] = []
    for group in batches(commands):
        replies += await asyncio.gather(*(send(nc, service, name, data, prison, sender)
                                          for service, name, data in group))
        progress.add(len(group))
    return replies


async def load_region(nc: Client, nats_url: str = "", credentials: Path | None = None
                      ) -> list[dict[str, Any]]:
    """Send the whole region; the replies (officers' prison by prison, then the region's)."""
    scenario = region()
    progress = Progress(sum(scenario.counts()))
    log.info("demo_loading", prisons=len(scenario.officers), of=progress.total)

    async def officer(prison: str) -> list[dict[str, Any]]:
        async with _connection(nc, nats_url, credentials,
                               identities.officer(prison, DEMO_OFFICER)) as conn:
            return await _send_all(conn, prison, scenario.officers[prison],
                                   f"officer:{prison}:{DEMO_OFFICER}", progress)

    async def kanwil() -> list[dict[str, Any]]:
        async with _connection(nc, nats_url, credentials,
                               identities.region(KANWIL, REGION_USER)) as conn:
            found = await asyncio.gather(*(
                _send_all(conn, prison, commands, REGION_ACTOR, progress)
                for prison, commands in scenario.regional.items()))
        return [reply for replies in found for reply in replies]

    found = await asyncio.gather(*(officer(p) for p in scenario.officers), kanwil())
    replies = [reply for replies in found for reply in replies]
    log.info("demo_loaded", commands=len(replies),
             events=sum(len(reply["events"]) for reply in replies),
             seconds=round(time.monotonic() - progress.started, 1))
    return replies
