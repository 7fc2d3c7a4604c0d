import uuid

import nats
import pytest

from shared.jetstream import JetStreamEventStore, ensure_stream
from shared.memory_store import InMemoryEventStore

# The test stream's duplicate window is short so that "idempotent after the window" is testable.
DUPLICATE_WINDOW = 1.0


@pytest.fixture(scope="session")
async def nats_client(nats_url):
    nc = await nats.connect(nats_url)
    await ensure_stream(nc, duplicate_window=DUPLICATE_WINDOW)
    # An external server may hold the stream already, with its own window: use the real one.
    nc.duplicate_window = (await nc.jetstream().stream_info("PULIH_EVENTS")).config.duplicate_window
    yield nc
    await nc.drain()


@pytest.fixture(params=["memory", "jetstream"])
def make_store(request):
    """A factory of stores over ONE log: each call is another writer with its own cache."""
    if request.param == "memory":
        shared = InMemoryEventStore()

        def make():
            return shared.another()

        make.window = 0.0
        return make
    nc = request.getfixturevalue("nats_client")

    def make():
        return JetStreamEventStore(nc)

    make.window = nc.duplicate_window
    return make


@pytest.fixture
def prison_id():
    return f"lapas-{uuid.uuid4().hex[:10]}"
