import tempfile
import uuid
from pathlib import Path

import asyncpg
import nats
import pytest

from shared.jetstream import JetStreamEventStore, ensure_stream


@pytest.fixture(scope="session")
async def nc(nats_url):
    client = await nats.connect(nats_url)
    await ensure_stream(client)
    yield client
    await client.drain()


@pytest.fixture(scope="session")
async def pool(database_url):
    p = await asyncpg.create_pool(database_url, min_size=1, max_size=8)
    yield p
    await p.close()


@pytest.fixture
def store(nc):
    return JetStreamEventStore(nc)


@pytest.fixture
def prison_id():
    return f"lapas-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def schema():
    return f"t_{uuid.uuid4().hex[:12]}"


@pytest.fixture
async def conn(database_url, schema):
    """A connection reading and writing a fresh read-model schema with every projection's
    tables (and the runner's), dropped afterwards."""
    from services.reporting.projections import projections
    from shared.checkpoint import KERNEL_DDL

    connection = await asyncpg.connect(database_url)
    await connection.execute(f'CREATE SCHEMA "{schema}"; SET search_path TO "{schema}"')
    await connection.execute(KERNEL_DDL)
    for projection in projections():
        await connection.execute(projection.ddl)
    yield connection
    await connection.execute(f'DROP SCHEMA "{schema}" CASCADE')
    await connection.close()


@pytest.fixture(scope="module")
async def secure(servers_root):
    """A nats-server run with the config `pulih auth init` writes (tests/integration/secure.py)."""
    from tests.integration.secure import secure_server

    async with secure_server(Path(tempfile.mkdtemp(prefix="secure-", dir=servers_root))) as s:
        yield s
