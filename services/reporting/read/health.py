"""How far the live read-model is behind the log, read from its checkpoint and parked tables
(what `/health` answers and `pulih status` prints)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import asyncpg

RUNNER = "reporting"  # the projection runner of the reporting service (its checkpoint row)


async def live_state(conn: asyncpg.Connection, runner: str = RUNNER
                     ) -> tuple[int, dict[str, int]]:
    """In a connection reading the read-model (`live.readmodel`): its checkpoint (0: none
    yet) and parked events per projection ("*": events no projection could read, which count
    for every one)."""
    if await conn.fetchval("SELECT to_regclass('checkpoint')") is None:
        return 0, {}
    applied = await conn.fetchval("SELECT last_seq FROM checkpoint WHERE runner = $1", runner)
    parked = await conn.fetch("SELECT projection, count(*) FROM parked GROUP BY projection")
    return applied or 0, dict(parked)


def projection_health(names: Iterable[str], stream_last_seq: int, applied: int,
                      parked: dict[str, int]) -> dict[str, dict[str, Any]]:
    """`{name: {"last_seq", "lag", "parked"}}` as `/health` answers it."""
    return {n: {"last_seq": applied, "lag": max(0, stream_last_seq - applied),
                "parked": parked.get(n, 0) + parked.get("*", 0)} for n in names}
