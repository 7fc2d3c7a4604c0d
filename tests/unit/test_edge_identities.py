"""The command edge with identities configured, on the in-memory store: only an officer of the
subject's prison, as its own actor, writes; every other sender is `forbidden` and writes
nothing. Without identities, today's behaviour."""

import uuid
from datetime import UTC, datetime

import orjson
import pytest

from services.agreements.handlers import TABLE
from shared.command_edge import handle
from shared.executor import Context, Executor
from shared.identities import REQUEST_INFO, Identities
from shared.memory_store import InMemoryEventStore
from tests.e2e.helpers import signing
from tests.unit.identities_kit import member, officer, write

A, B = "lapas-a", "lapas-b"
BUDI = "UBUDIKEY"
NOW = datetime(2025, 3, 1, 3, 0, tzinfo=UTC)


@pytest.fixture
def executor(tmp_path):
    identities = Identities.load(write(tmp_path, officer(A, "budi", BUDI),
                                       officer(B, "sari", "USARIKEY"),
                                       member("services", "USERVICESKEY")))
    return Executor(Context(InMemoryEventStore(), lambda: NOW, identities), TABLE)


def stamped(account, user):
    return {REQUEST_INFO: orjson.dumps({"acc": account, "user": user, "rtt": 1}).decode()}


async def sign(executor, headers, actor="officer:lapas-a:budi", prison=A):
    body = orjson.dumps({"command_id": str(uuid.uuid4()), "actor": actor,
                         "expected_version": None, "data": signing(str(uuid.uuid4()))})
    return await handle(executor, "SignAgreement",
                        f"pulih.commands.{prison}.agreements.SignAgreement", body, headers)


async def test_an_officer_of_the_prison_as_its_own_actor_writes(executor):
    reply = await sign(executor, stamped("prison-lapas-a", BUDI))
    assert reply["ok"] is True, reply
    (recorded,) = executor.ctx.store.log
    assert recorded.envelope["actor"] == "officer:lapas-a:budi"


@pytest.mark.parametrize(("headers", "actor", "field"), [
    (None, "officer:lapas-a:budi", "actor"),  # no stamp: not from a prison's account
    (stamped("prison-lapas-b", "USARIKEY"), "officer:lapas-b:sari", "subject.prison_id"),
    (stamped("prison-lapas-a", "UNKNOWNKEY"), "officer:lapas-a:budi", "actor"),
    (stamped("PULIH", "USERVICESKEY"), "officer:lapas-a:budi", "subject.prison_id"),
    (stamped("prison-lapas-a", BUDI), "officer:lapas-a:sari", "actor"),  # another actor
    (stamped("prison-lapas-a", BUDI), "officer:lapas-b:sari", "actor"),  # another prison's
])
async def test_every_other_sender_is_forbidden_and_writes_nothing(executor, headers, actor,
                                                                  field):
    reply = await sign(executor, headers, actor)
    assert reply["ok"] is False
    assert reply["error"]["code"] == "forbidden", reply
    assert [d["field"] for d in reply["error"]["details"]] == [field]
    assert executor.ctx.store.log == []


async def test_an_unstamped_sender_learns_nothing_of_the_schema(executor):
    reply = await handle(executor, "SignAgreement",
                         f"pulih.commands.{A}.agreements.SignAgreement", b"{nope", None)
    assert reply["error"]["code"] == "forbidden"


async def test_without_identities_any_sender_and_actor_write_as_before():
    open_server = Executor(Context(InMemoryEventStore(), lambda: NOW), TABLE)
    reply = await sign(open_server, None, actor="officer:test:rina", prison=B)
    assert reply["ok"] is True, reply
    assert open_server.ctx.store.log[0].envelope["actor"] == "officer:test:rina"
