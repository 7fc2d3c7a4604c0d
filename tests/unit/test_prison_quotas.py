"""A prison's Kanwil and quotas (AssignKanwil, SetQuota): the domain rules on the pure
functions, and who may send them at the command edge (in-memory store)."""

import uuid
from datetime import UTC, date, datetime

import orjson
import pytest

from services.programs.domain import prison
from services.programs.handlers import TABLE
from services.programs.prison_commands import AssignKanwil, SetQuota
from shared.command_edge import handle
from shared.contract.events import decode
from shared.errors import Rejected
from shared.executor import Context, Executor
from shared.identities import REQUEST_INFO, Identities
from shared.memory_store import InMemoryEventStore
from shared.prisons import aggregate_id
from tests.unit.identities_kit import officer, write

A, B = "lapas-a", "lapas-b"
TODAY = date(2025, 3, 1)
NOW = datetime(2025, 3, 1, 3, 0, tzinfo=UTC)
ANA = "UANAKEY"


def assign(kanwil="jatim", name="Kanwil Jawa Timur", on="2025-01-02"):
    return {"kanwil_id": kanwil, "kanwil_name": name, "assigned_on": on}


def quota(year=2025, track="medical", target=40, **more):
    return {"year": year, "track": track, "target": target, **more}


def test_the_aggregate_id_is_uuid5_of_the_prison():
    assert aggregate_id(A) == str(uuid.uuid5(uuid.NAMESPACE_URL, "pulih:prison:lapas-a"))
    assert aggregate_id(A) != aggregate_id(B)


def test_assignments_and_quotas_fold_latest_wins():
    state = None
    for command in (AssignKanwil(**assign()), SetQuota(**quota(target=40)),
                    SetQuota(**quota(target=55)), SetQuota(**quota(track="social", target=0)),
                    AssignKanwil(**assign("jateng", "Kanwil Jawa Tengah", "2025-02-01"))):
        (new,) = prison.decide(state, command, TODAY)
        state = prison.evolve(state, fact(new))
    assert (state.kanwil_id, state.assigned_on) == ("jateng", date(2025, 2, 1))
    assert state.quotas == {(2025, "medical"): 55, (2025, "social"): 0}


@pytest.mark.parametrize(("first", "second", "field"), [
    (None, assign(on="2025-03-02"), "assigned_on"),  # in the future
    (assign(on="2025-02-01"), assign("jateng", "x", "2025-01-31"), "assigned_on"),  # earlier
    (assign(), assign(on="2025-02-01"), "kanwil_id"),  # the same again
])
def test_assignment_rules(first, second, field):
    state = None
    if first:
        (new,) = prison.decide(None, AssignKanwil(**first), TODAY)
        state = prison.evolve(None, fact(new))
    with pytest.raises(Rejected) as refused:
        prison.decide(state, AssignKanwil(**second), TODAY)
    assert (refused.value.code, refused.value.details[0].field) == ("rule", field)


def test_a_quota_is_not_set_in_the_future():
    with pytest.raises(Rejected) as refused:
        prison.decide(None, SetQuota(**quota(), occurred_at="2025-03-02T08:00:00+07:00"), TODAY)
    assert refused.value.code == "rule"


def fact(new):
    return decode({"type": new.type, "schema_version": new.schema_version, "data": new.data,
                   "aggregate_id": aggregate_id(A), "occurred_at": new.occurred_at})


async def send(executor, name, data, actor="region:jatim:ana", prison_id=A, headers=None):
    body = orjson.dumps({"command_id": str(uuid.uuid4()), "actor": actor,
                         "expected_version": None, "data": data})
    return await handle(executor, name, f"pulih.commands.{prison_id}.programs.{name}", body,
                        headers)


def stamped(account, user):
    return {REQUEST_INFO: orjson.dumps({"acc": account, "user": user, "rtt": 1}).decode()}


@pytest.fixture
def secured(tmp_path):
    region = {"role": "region", "public_key": ANA, "account": "region-jatim",
              "kanwil_id": "jatim", "name": "ana", "actor": "region:jatim:ana",
              "created_at": "2025-01-01T00:00:00Z"}
    write(tmp_path, officer(A, "budi", "UBUDIKEY"), region)
    path = tmp_path / "identities.json"
    path.write_bytes(orjson.dumps({**orjson.loads(path.read_bytes()),
                                   "regions": {"jatim": [A]}}))
    return Executor(Context(InMemoryEventStore(), lambda: NOW, Identities.load(tmp_path)), TABLE)


async def test_a_region_user_covering_the_prison_writes_on_its_aggregate(secured):
    reply = await send(secured, "SetQuota", quota(), headers=stamped("region-jatim", ANA))
    assert reply["ok"] is True, reply
    (recorded,) = secured.ctx.store.log
    env = recorded.envelope
    assert (env["aggregate_type"], env["aggregate_id"], env["actor"]) == (
        "prison", aggregate_id(A), "region:jatim:ana")
    assert env["data"] == {"year": 2025, "track": "medical", "target": 40, "note": None}


@pytest.mark.parametrize(("name", "data", "actor", "prison_id", "headers", "field"), [
    # an officer of the prison, with its own valid credentials and actor
    ("SetQuota", quota(), "officer:lapas-a:budi", A, stamped("prison-lapas-a", "UBUDIKEY"),
     "actor"),
    ("AssignKanwil", assign(), "officer:lapas-a:budi", A, stamped("prison-lapas-a", "UBUDIKEY"),
     "actor"),
    ("SetQuota", quota(), "region:jatim:ana", B, stamped("region-jatim", ANA),
     "subject.prison_id"),  # not a prison of the region
    ("SetQuota", quota(), "region:jatim:eko", A, stamped("region-jatim", ANA), "actor"),
    ("SetQuota", quota(), "region:jatim:ana", A, None, "actor"),  # no stamp
    ("AssignKanwil", assign("jateng"), "region:jatim:ana", A, stamped("region-jatim", ANA),
     "data.kanwil_id"),  # another Kanwil
])
async def test_every_other_sender_is_forbidden_and_writes_nothing(
        secured, name, data, actor, prison_id, headers, field):
    reply = await send(secured, name, data, actor, prison_id, headers)
    assert reply["error"]["code"] == "forbidden", reply
    assert [d["field"] for d in reply["error"]["details"]] == [field]
    assert secured.ctx.store.log == []


@pytest.mark.parametrize(("actor", "code"), [
    ("region:jatim:ana", None), ("officer:lapas-a:budi", "forbidden"), ("jatim", "forbidden"),
    ("region:jatim", "forbidden"), ("region:Jatim:ana", "forbidden"),
])
async def test_on_an_open_server_the_actor_must_be_a_regions(actor, code):
    executor = Executor(Context(InMemoryEventStore(), lambda: NOW), TABLE)
    reply = await send(executor, "AssignKanwil", assign(), actor)
    assert reply.get("error", {}).get("code") == code, reply
    assert len(executor.ctx.store.log) == (0 if code else 1)


@pytest.mark.parametrize(("data", "field"), [
    (quota(year=1999), "data.year"), (quota(year=2101), "data.year"),
    (quota(target=-1), "data.target"), (quota(target=10_001), "data.target"),
    (quota(target="40"), "data.target"), (quota(track="sport"), "data.track"),
    (quota(prison_id=aggregate_id(A)), "data.prison_id"),
    ({**assign(), "kanwil_id": "Jawa Timur"}, "data.kanwil_id"),
])
async def test_bad_input_is_invalid_and_writes_nothing(data, field):
    executor = Executor(Context(InMemoryEventStore(), lambda: NOW), TABLE)
    name = "AssignKanwil" if "kanwil_id" in data else "SetQuota"
    reply = await send(executor, name, data)
    assert reply["error"]["code"] == "invalid", reply
    assert field in [d["field"] for d in reply["error"]["details"]]
    assert executor.ctx.store.log == []
