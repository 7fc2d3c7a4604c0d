"""Replaying a log that holds AssessmentRecorded v1 (an old writer's, published raw) and v2 (the
programs service's) gives the read-models an all-v2 log gives; domain folds read it too.

Two prisons tell the same story: `mixed` has some assessments written as v1, `current` has
every one written by the service as v2 with no assessor_role, which is exactly what v1 upcasts
to. Everything built from them must be equal, once prison and participant ids are aligned.
"""

import uuid
from dataclasses import astuple, replace
from datetime import UTC, datetime

import orjson
import pytest

from services.programs.domain import participant
from services.programs.handlers import TABLE
from services.reporting.projections import projections
from shared.command_edge import handle
from shared.contract.events import current_version
from shared.envelope import StreamId, compute_hash
from shared.executor import Context, Executor
from shared.folder import Folder
from shared.jetstream import JetStreamEventStore
from shared.projection import Folded, Parked
from shared.runner import ProjectionRunner
from tests.integration.raw_log import publish_old

pytestmark = [pytest.mark.nats, pytest.mark.pg]

NOW = datetime(2025, 7, 1, 3, 0, tzinfo=UTC)
NAMESPACE = uuid.UUID("0d3c1b2a-5e4f-4a6b-8c7d-000000000005")


def ids(prison):
    """The prison's own participant ids (ids are global: read-models key on them)."""
    return [str(uuid.uuid5(NAMESPACE, f"{prison}/{n}")) for n in (1, 2)]


def story(prison):
    """(command, data, written raw as v1 by an old writer in the mixed prison?)"""
    P1, P2 = ids(prison)

    def assess(pid, phase, score, day, role=None):
        data = {"participant_id": pid, "instrument": "ASSIST", "phase": phase, "score": score,
                "assessed_on": day, "program_id": None}
        return "RecordAssessment", data | ({"assessor_role": role} if role else {})

    return [
        (("RegisterParticipant", {"participant_id": P1, "case_type": "narcotics_user",
                                  "admitted_on": "2025-01-06"}), False),
        (("RegisterParticipant", {"participant_id": P2, "case_type": "narcotics_other",
                                  "admitted_on": "2025-01-08"}), False),
        (assess(P1, "intake", 27.0, "2025-01-10"), True),
        (assess(P2, "intake", 31.5, "2025-01-12"), True),
        (assess(P1, "exit", 12.0, "2025-05-30", "counselor"), False),
        (("RecordRelease", {"participant_id": P1, "released_on": "2025-06-02",
                            "release_type": "parole"}), False),
        (assess(P2, "mid", 20.0, "2025-03-15"), True),  # an old instance, mid rolling upgrade
        (assess(P1, "follow_up", 9.0, "2025-06-20", "medical"), False),
        (("RecordReadmission", {"participant_id": P1, "readmitted_on": "2025-06-28"}), False),
    ]


async def publish_v1(nc, prison, data):
    """What a writer from before v2 appended: v1 data, sealed and chained like any event."""
    v1 = {k: v for k, v in data.items() if k != "participant_id"}
    return await publish_old(nc, StreamId(prison, "participant", data["participant_id"]),
                             "AssessmentRecorded", v1, data["assessed_on"])


async def write(nc, prison, *, old_writer):
    executor = Executor(Context(JetStreamEventStore(nc), lambda: NOW), TABLE)
    last = 0
    for (name, data), raw_v1 in story(prison):
        if raw_v1 and old_writer:
            last = await publish_v1(nc, prison, data)
            continue
        body = orjson.dumps({"command_id": str(uuid.uuid4()), "actor": "officer:x:rina",
                             "expected_version": None, "data": data})
        reply = await handle(executor, name,
                             f"pulih.commands.{prison}.programs.{name}", body, None)
        assert reply["ok"], reply
        last = reply["events"][-1]["seq"]
    return last


class Assessments:
    """A read-model of every assessment, reading the current version only (no fallback)."""

    name = "upcast_assessments"
    ddl = """CREATE TABLE IF NOT EXISTS upcast_assessments (
        prison_id text, participant_id text, version int, schema_version int, data jsonb,
        PRIMARY KEY (prison_id, participant_id, version));"""

    async def fold(self, conn, batch, unsaved):
        out = Folded()
        for r in batch:
            e = r.envelope
            if e.get("type") != "AssessmentRecorded":
                continue
            if e["schema_version"] != current_version("AssessmentRecorded") or (
                    "assessor_role" not in e["data"]):
                out.parked.append(Parked(r.seq, f"not the current version: {e['schema_version']}"))
                continue
            out.changed[r.seq] = (e["prison_id"], e["aggregate_id"], e["aggregate_version"],
                                  e["schema_version"], orjson.dumps(e["data"]).decode())
        return out

    async def save(self, conn, docs):
        await conn.executemany("INSERT INTO upcast_assessments VALUES ($1, $2, $3, $4, $5)",
                               list(docs.values()))


async def rows_of(conn, schema, prison, own_ids=None):
    """Every row of every read-model table naming `prison`, with the prison and its own ids
    (default: its participants') replaced by placeholders."""
    own_ids = ids(prison) if own_ids is None else own_ids
    aliases = {prison: "PRISON", **{pid: f"P{n}" for n, pid in enumerate(own_ids, 1)}}
    tables = await conn.fetch("SELECT table_name FROM information_schema.tables WHERE "
                              "table_schema = $1 AND table_name NOT IN ('checkpoint', 'parked')",
                              schema)
    out = {}
    for t in tables:
        rows = await conn.fetch(f'SELECT * FROM "{schema}"."{t["table_name"]}"')
        mine = [tuple(aliases.get(v, v) if isinstance(v, str) else v for v in r.values())
                for r in rows if prison in r.values()]
        out[t["table_name"]] = sorted(mine, key=repr)
    return out


@pytest.fixture(scope="module")
async def logs(nc):
    mixed, current = f"lapas-mixed-{uuid.uuid4().hex[:8]}", f"lapas-v2-{uuid.uuid4().hex[:8]}"
    await write(nc, mixed, old_writer=True)
    last = await write(nc, current, old_writer=False)
    return mixed, current, last


async def test_the_log_holds_both_versions_with_an_intact_chain(nc, logs):
    mixed, _, _ = logs
    store = JetStreamEventStore(nc)
    raw = [r.envelope for r in await store.read(mixed, raw=True)]
    versions = {e["schema_version"] for e in raw if e["type"] == "AssessmentRecorded"}
    assert versions == {1, 2}
    for pid in ids(mixed):
        chain = [e for e in raw if e["aggregate_id"] == pid]
        assert [e["aggregate_version"] for e in chain] == list(range(1, len(chain) + 1))
        for before, event in zip([{"hash": ""}, *chain], chain, strict=False):
            assert event["prev_hash"] == before["hash"]
            assert event["hash"] == compute_hash(event)
    read = await store.read(mixed)
    assert {r.envelope["schema_version"] for r in read if r.type == "AssessmentRecorded"} == {2}


async def test_a_domain_fold_over_a_mixed_history_equals_the_all_v2_one(nc, logs):
    mixed, current, _ = logs
    for n in (0, 1):
        histories = [await JetStreamEventStore(nc).load(StreamId(p, "participant", ids(p)[n]))
                     for p in (mixed, current)]
        for history in histories:
            assert all(r.envelope["schema_version"] == current_version(r.type)
                       for r in history.events)
        raw_last = (await JetStreamEventStore(nc).read(
            *astuple(histories[0].stream), raw=True))[-1].envelope
        assert histories[0].last_hash == raw_last["hash"] == compute_hash(raw_last)
        a, b = (Folder(participant.evolve)(h) for h in histories)
        assert replace(a, participant_id="") == replace(b, participant_id="")
        assert a.releases == (1 - n)  # P1 released (and readmitted), P2 never


@pytest.mark.parametrize("which", ["upcast_assessments", "reporting"])
async def test_a_rebuild_from_sequence_1_equals_the_all_v2_one(nc, pool, logs, which):
    mixed, current, last = logs
    schema = f"t_upcast_{uuid.uuid4().hex[:10]}"
    built = [Assessments()] if which == "upcast_assessments" else projections()
    runner = ProjectionRunner(nc, pool, built, name="replay", schema=schema)
    assert runner.last_seq == 0
    await runner.run_until(last)
    async with pool.acquire() as conn:
        got, want = await rows_of(conn, schema, mixed), await rows_of(conn, schema, current)
        parked = await conn.fetch(f'SELECT projection, subject, reason FROM "{schema}".parked')
        await conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
    ours = [dict(p) for p in parked if mixed in p["subject"] or current in p["subject"]]
    assert ours == []
    assert got == want
    assert sum(len(rows) for rows in got.values()) > 0
    if which == "upcast_assessments":
        data = sorted(orjson.loads(r[4])["assessor_role"] or "-" for r in got[which])
        assert data == ["-", "-", "-", "counselor", "medical"]
