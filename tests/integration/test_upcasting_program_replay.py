"""Replaying a log that holds ProgramLaunched v1 (an old writer's, published raw) gives the
read-models a log written by today's service (v2, no track nor plan) gives; the program fold
reads it too, as a program without a plan.

Two prisons tell the same story, as tests/integration/test_upcasting_replay.py does for
AssessmentRecorded: `mixed` has its launch written as v1, `current` by the service as v2 with
nothing recorded, which is exactly what v1 upcasts to.
"""

import uuid
from datetime import UTC, datetime

import orjson
import pytest

from services.agreements import handlers as agreements
from services.programs import handlers as programs
from services.programs.domain import program
from services.reporting.projections import projections
from shared.command_edge import handle
from shared.envelope import CommandMeta, NewEvent, StreamId, seal
from shared.executor import Context, Executor
from shared.folder import Folder
from shared.jetstream import JetStreamEventStore
from shared.runner import ProjectionRunner
from tests.e2e.helpers import enrolling, launching, registering, signing
from tests.integration.test_upcasting_replay import rows_of

pytestmark = [pytest.mark.nats, pytest.mark.pg]

NOW = datetime(2025, 7, 1, 3, 0, tzinfo=UTC)
NAMESPACE = uuid.UUID("0d3c1b2a-5e4f-4a6b-8c7d-000000000013")


def ids(prison):
    """The prison's agreement, program and participant ids."""
    return [str(uuid.uuid5(NAMESPACE, f"{prison}/{n}")) for n in ("a", "p", "1")]


async def publish_v1_launch(nc, prison, data):
    """What a writer from before v2 appended: a v1 launch, sealed like any first event."""
    stream = StreamId(prison, "program", data["program_id"])
    v1 = {k: v for k, v in data.items() if k != "program_id"}
    command = str(uuid.uuid4())
    envelope = seal(stream, NewEvent("ProgramLaunched", v1, "2025-03-01T00:00:00+07:00", 1),
                    CommandMeta(command, "officer:x:rina", command), index=0, version=1,
                    prev_hash="", recorded_at="2025-03-01T01:00:00.000000+00:00")
    ack = await nc.jetstream().publish(
        stream.subject("ProgramLaunched"), orjson.dumps(envelope),
        headers={"Nats-Msg-Id": envelope["event_id"],
                 "Nats-Expected-Last-Subject-Sequence": "0",
                 "Nats-Expected-Last-Subject-Sequence-Subject": stream.filter})
    return ack.seq


async def write(nc, prison, *, old_writer):
    """The story; returns the last sequence and AdvancePhase's reply."""
    agreement_id, program_id, pid = ids(prison)
    context = Context(JetStreamEventStore(nc), lambda: NOW)
    tables = {"agreements": agreements.TABLE, "programs": programs.TABLE}

    async def send(service, name, data):
        body = orjson.dumps({"command_id": str(uuid.uuid4()), "actor": "officer:x:rina",
                             "expected_version": None, "data": data})
        return await handle(Executor(context, tables[service]), name,
                            f"pulih.commands.{prison}.{service}.{name}", body, None)

    assert (await send("agreements", "SignAgreement", signing(agreement_id)))["ok"]
    launch = launching(program_id, agreement_id)
    if old_writer:
        await publish_v1_launch(nc, prison, launch)
    else:
        assert (await send("programs", "LaunchProgram", launch))["ok"]
    assert (await send("programs", "RegisterParticipant", registering(pid)))["ok"]
    enrolled = await send("programs", "EnrollParticipant", enrolling(program_id, pid))
    assert enrolled["ok"], enrolled
    refused = await send("programs", "AdvancePhase", {
        "program_id": program_id, "participant_id": pid, "phase": "primary",
        "advanced_on": "2025-04-01"})
    return enrolled["events"][-1]["seq"], refused


@pytest.fixture(scope="module")
async def logs(nc):
    mixed, current = f"lapas-mixed-{uuid.uuid4().hex[:8]}", f"lapas-v2-{uuid.uuid4().hex[:8]}"
    _, refused_mixed = await write(nc, mixed, old_writer=True)
    last, refused_current = await write(nc, current, old_writer=False)
    return mixed, current, last, (refused_mixed, refused_current)


async def test_a_v1_program_is_a_program_without_a_plan(nc, logs):
    mixed, current, _, refusals = logs
    store = JetStreamEventStore(nc)
    [raw] = [r.envelope for r in await store.read(mixed, "program", raw=True)][:1]
    assert (raw["schema_version"], "track" in raw["data"]) == (1, False)
    for prison in (mixed, current):
        history = await store.load(StreamId(prison, "program", ids(prison)[1]))
        assert history.events[0].envelope["schema_version"] == 2
        state = Folder(program.evolve)(history)
        assert (state.track, state.planned_days, state.phases) == (None, None, ())
        assert state.members[ids(prison)[2]].phase is None
    for reply in refusals:  # the enrolment went through; an advance has nowhere to go
        assert reply["ok"] is False and reply["error"]["code"] == "rule"
        assert "no phase plan" in reply["error"]["message"]


async def test_a_rebuild_from_sequence_1_equals_the_all_v2_one(nc, pool, logs):
    mixed, current, last, _ = logs
    schema = f"t_upcast_{uuid.uuid4().hex[:10]}"
    runner = ProjectionRunner(nc, pool, projections(), name="replay", schema=schema)
    await runner.run_until(last)
    async with pool.acquire() as conn:
        got, want = (await rows_of(conn, schema, mixed, ids(mixed)),
                     await rows_of(conn, schema, current, ids(current)))
        parked = await conn.fetch(f'SELECT projection, subject, reason FROM "{schema}".parked')
        await conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
    assert [dict(p) for p in parked if mixed in p["subject"] or current in p["subject"]] == []
    assert got == want
    [launched] = got["programs"]
    assert launched[-4:-1] == (None, None, "[]")  # track, planned_days, phases: not recorded
