"""The runtime's PostgreSQL pool: one per process, however many ask for it first at once."""

import asyncio

from shared.runtime import Runtime
from tests.integration.tally import settings_for


async def test_concurrent_first_calls_share_one_pool(nats_url, database_url):
    rt = Runtime(settings_for("readmodel"), nats_url, database_url)
    pools = await asyncio.gather(*(rt.pool() for _ in range(4)))
    try:
        assert all(p is pools[0] for p in pools)
    finally:
        for pool in {id(p): p for p in pools}.values():
            await pool.close()
