"""`ParticipantReleased` v1 (an old writer's, published raw) on replay: the domain fold and
the read-models meet it as v2, `conditional` derived from its release type."""

import uuid
from datetime import UTC, datetime

import orjson
import pytest

from services.programs.handlers import TABLE
from services.reporting.projections import projections
from shared.command_edge import handle
from shared.envelope import StreamId
from shared.executor import Context, Executor
from shared.jetstream import JetStreamEventStore
from shared.runner import ProjectionRunner
from tests.integration.raw_log import publish_old

pytestmark = [pytest.mark.nats, pytest.mark.pg]

NOW = datetime(2025, 9, 1, 3, 0, tzinfo=UTC)
# release type -> what v1 upcasts `conditional` to
TYPES = {"parole": True, "expiration": False, "other": None}


async def test_a_v1_release_is_read_as_v2_by_the_domain_and_the_read_models(nc, pool,
                                                                            prison_id):
    executor = Executor(Context(JetStreamEventStore(nc), lambda: NOW), TABLE)

    async def send(name, data):
        body = orjson.dumps({"command_id": str(uuid.uuid4()), "actor": "officer:x:rina",
                             "expected_version": None, "data": data})
        return await handle(executor, name, f"pulih.commands.{prison_id}.programs.{name}",
                            body, None)

    people = {release_type: str(uuid.uuid4()) for release_type in TYPES}
    for release_type, pid in people.items():
        assert (await send("RegisterParticipant", {
            "participant_id": pid, "case_type": "narcotics_user",
            "admitted_on": "2025-01-06"}))["ok"]
        await publish_old(nc, StreamId(prison_id, "participant", pid), "ParticipantReleased",
                          {"released_on": "2025-06-02", "release_type": release_type},
                          "2025-06-02")
    revoke = {"revoked_on": "2025-07-01", "reason": "violation_of_conditions"}
    revoked = await send("RevokeParole", {"participant_id": people["parole"], **revoke})
    assert revoked["ok"] and revoked["events"][0]["type"] == "ConditionalReleaseRevoked"
    for release_type in ("expiration", "other"):
        reply = await send("RevokeParole", {"participant_id": people[release_type], **revoke})
        assert reply["error"]["code"] == "rule" and "not conditional" in reply["error"]["message"]

    schema = f"t_release_{uuid.uuid4().hex[:10]}"
    runner = ProjectionRunner(nc, pool, projections(), name="replay", schema=schema)
    await runner.run_until(revoked["events"][0]["seq"])
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            f'SELECT participant_id, release_type, conditional, revoked_on FROM "{schema}".releases'
            " WHERE prison_id = $1", prison_id)
        parked = await conn.fetchval(
            f'SELECT count(*) FROM "{schema}".parked WHERE subject LIKE $1', f"%{prison_id}%")
        await conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
    assert parked == 0
    by_type = {r["release_type"]: (r["participant_id"], r["conditional"], r["revoked_on"])
               for r in rows}
    assert by_type == {
        "parole": (people["parole"], True, datetime(2025, 7, 1).date()),
        "expiration": (people["expiration"], False, None),
        "other": (people["other"], None, None)}
