"""`pulih audit` and `pulih events` against real JetStream.

The shared test stream holds poison events on purpose (tests/integration/test_runner.py), so the
whole-log checks run on a private nats-server holding only what the services wrote: the demo
region (every event type, with the agreements service's own expiry), sent through the real
command services.
"""

import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import uuid
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import nats
import orjson
import pytest

from deploy import demo
from deploy import demo_cohort as cohort
from deploy.demo_region.agreements import agreement_id
from deploy.demo_region.load import load_region
from deploy.embedded import start_nats
from ops.checks import Broken
from ops.events import export, tail
from ops.history import history
from ops.verify import verify_file, verify_live
from services.agreements.expiry import expire_due
from services.agreements.main import install as install_agreements
from services.attendance.main import install as install_attendance
from services.programs.main import install as install_programs
from shared.contract.events import EVENT_AGGREGATES
from shared.envelope import CommandMeta, NewEvent, StreamId
from shared.eventlog import subject_filter
from shared.jetstream import JetStreamEventStore, ensure_stream
from shared.runtime import Runtime
from shared.settings import Settings

PRISON = demo.PRISON  # the demo region's Banyuwangi: the seed scenario's corrected session
PULIH = [sys.executable, "-m", "ops.cli"]
DEMO = f"officer:{PRISON}:demo"
AMENDED = agreement_id("lapas-narkotika-pamekasan", "bnnp-2023")
EXPIRED = agreement_id("lapas-jember", "bnnp-2024")
CORRECTED = demo.demo_id(f"session/{cohort.CORRECTION[0].isoformat()}", PRISON)


@pytest.fixture(scope="module")
async def log_url(servers_root):
    """A private server whose log the three command services wrote, and nothing else."""
    server = start_nats(Path(tempfile.mkdtemp(prefix="audit-", dir=servers_root)))
    rt = Runtime(replace(Settings.from_env({}), expiry_check_seconds=3600), server.url, None)
    await rt.open()
    agreements = install_agreements(rt)
    install_programs(rt)
    install_attendance(rt)
    await rt.start()
    try:
        # The timer ran once, on an empty log (then every hour): the expiries come from here.
        assert all(reply["ok"] for reply in await load_region(rt.nc))
        assert len(await expire_due(agreements)) >= 3
    finally:
        await rt.stop()
    yield server.url
    server.stop()


@pytest.fixture
async def log_nc(log_url):
    client = await nats.connect(log_url)
    yield client
    await client.close()


def pulih(*args, url):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PULIH_")}
    return subprocess.run([*PULIH, *args], env={**env, "PULIH_NATS_URL": url},
                          capture_output=True, text=True, timeout=120)


async def test_the_whole_live_log_verifies(log_nc):
    summary = await verify_live(log_nc)
    state = (await log_nc.jetstream().stream_info("PULIH_EVENTS")).state
    assert (summary.first_seq, summary.last_seq, summary.events) == (1, state.last_seq,
                                                                   state.messages)
    assert set(summary.types) == set(EVENT_AGGREGATES)  # every event type the contract has


async def test_an_export_verifies_and_any_tampering_is_named(log_nc, tmp_path):
    path = tmp_path / "log.jsonl"
    with path.open("wb") as out:
        count = await export(log_nc, out)
    assert verify_file(path).events == count > 100
    lines = path.read_bytes().splitlines(keepends=True)
    held = next(i for i, line in enumerate(lines) if b'"type":"SessionHeld"' in line
                and b'"aggregate_version":2' in line)  # a scheduled session, then held
    seq = orjson.loads(lines[held])["seq"]

    def tampered(new_lines) -> Broken:
        path.write_bytes(b"".join(new_lines))
        with pytest.raises(Broken) as caught:
            verify_file(path)
        return caught.value

    for marker in (b'"topic":"', b'"hash":"', b'"prev_hash":"'):
        at = lines[held].index(marker) + len(marker) + 3
        flipped = bytearray(lines[held])
        flipped[at] ^= 0x01
        failure = tampered([*lines[:held], bytes(flipped), *lines[held + 1:]])
        assert (failure.check, failure.where, failure.entry.seq) == (
            "hash", f"line {held + 1}", seq), marker
        assert f"BROKEN at line {held + 1}, seq {seq}: hash" in failure.report()
    failure = tampered([*lines[:held], *lines[held + 1:]])
    assert (failure.check, failure.expected, failure.found) == ("sequence", seq, seq + 1)
    failure = tampered([*lines[:held], lines[held + 1], lines[held], *lines[held + 2:]])
    assert failure.check == "sequence" and failure.where == f"line {held + 1}"
    assert tampered(lines[:-2] + lines[-1:]).check == "trailer"


async def test_one_prisons_part_of_the_shared_log_verifies(nc, store, prison_id):
    """The shared stream holds other tests' poison events: `--prison` checks only ours."""
    stream = StreamId(prison_id, "program", str(uuid.uuid4()))
    for day in ("2025-12-08", "2025-12-09"):
        c = str(uuid.uuid4())
        kind = "ProgramLaunched" if day.endswith("08") else "ProgramClosed"
        data = {"closed_on": day} if kind == "ProgramClosed" else {
            "agreement_id": str(uuid.uuid4()), "name": "P", "cohort": "I",
            "activities": ["medical"], "starts_on": day, "ends_on": "2026-01-01", "capacity": 5}
        await store.append(await store.load(stream), [NewEvent(
            kind, data, f"{day}T00:00:00+07:00")], CommandMeta(c, "officer:test", c))
    summary = await verify_live(nc, prison_id)
    assert summary.events == 2 and summary.types == {"ProgramLaunched": 1, "ProgramClosed": 1}


async def test_a_poison_event_in_the_live_log_is_named(server_dir):
    server = start_nats(server_dir)
    client = await nats.connect(server.url)
    try:
        await ensure_stream(client)
        store = JetStreamEventStore(client)
        stream = StreamId("lapas-poison", "program", str(uuid.uuid4()))
        c = str(uuid.uuid4())
        await store.append(await store.load(stream), [NewEvent(
            "ProgramClosed", {"closed_on": "2025-12-08"}, "2025-12-08T00:00:00+07:00")],
            CommandMeta(c, "officer:test", c))
        await client.jetstream().publish(stream.subject("ProgramClosed"), b"{oops")
        with pytest.raises(Broken) as caught:
            await verify_live(client)
        assert (caught.value.check, caught.value.entry.seq) == ("body", 2)
    finally:
        await client.close()
        server.stop()


async def test_history_is_who_did_what_when_why_in_order(log_nc):
    messages = await history(log_nc, "agreement", EXPIRED)
    envelopes = [orjson.loads(m.body) for m in messages]
    assert [(e["type"], e["actor"]) for e in envelopes] == [
        ("AgreementSigned", "officer:lapas-jember:demo"),
        ("AgreementExpired", "system:agreements")]
    assert envelopes[1]["causation_id"] == envelopes[0]["event_id"]


def test_the_cli_exports_verifies_and_shows_history(log_url, log_nc, tmp_path):
    path = tmp_path / "log.jsonl"
    exported = pulih("events", "export", "--out", str(path), url=log_url)
    assert exported.returncode == 0, exported.stderr
    ok = pulih("audit", "verify", "--file", str(path), url=log_url)
    assert ok.returncode == 0 and ok.stdout.startswith("audit verify: OK"), ok.stdout
    assert "SessionHeld" in ok.stdout
    live = pulih("audit", "verify", url=log_url)
    assert live.returncode == 0 and "the whole log (PULIH_EVENTS)" in live.stdout

    data = path.read_bytes()
    at = data.index(b'"reason":"') + 12
    path.write_bytes(data[:at] + bytes([data[at] ^ 0x02]) + data[at + 1:])
    bad = pulih("audit", "verify", "--file", str(path), url=log_url)
    assert bad.returncode == 1 and "BROKEN at line" in bad.stdout
    assert "hash" in bad.stdout and "expected:" in bad.stdout and "found:" in bad.stdout

    shown = pulih("audit", "history", "session", CORRECTED, url=log_url)
    assert shown.returncode == 0, shown.stderr
    events = shown.stdout.splitlines()[2:]
    assert [line.split()[5] for line in events] == ["SessionHeld", "AttendanceCorrected"]
    assert all(DEMO in line for line in events)
    assert f"reason: {cohort.CORRECTION[4]}" in events[1]
    as_json = orjson.loads(pulih("audit", "history", "agreement", AMENDED, "--json",
                                 url=log_url).stdout)
    pamekasan = "officer:lapas-narkotika-pamekasan:demo"
    assert [(e["type"], e["actor"]) for e in as_json["events"]] == [
        ("AgreementSigned", pamekasan), ("AgreementAmended", pamekasan)]
    assert "note: Tambahan sesi" in as_json["events"][1]["summary"]
    mine = pulih("audit", "history", "session", CORRECTED, "--prison", PRISON, url=log_url)
    assert mine.stdout == shown.stdout
    elsewhere = pulih("audit", "history", "session", CORRECTED, "--prison", "lapas-lain",
                      url=log_url)
    assert elsewhere.returncode == 1 and "no events" in elsewhere.stderr
    unknown = pulih("audit", "history", "session", str(uuid.uuid4()), url=log_url)
    assert unknown.returncode == 1 and "no events" in unknown.stderr


async def test_tail_follows_one_prison_live(nc, store, prison_id):
    other = f"{prison_id}-x"
    received: asyncio.Queue[bytes] = asyncio.Queue()
    ready = asyncio.Event()
    task = asyncio.create_task(tail(nc, subject_filter(prison_id), None, received.put_nowait,
                                    ready))
    try:
        await asyncio.wait_for(ready.wait(), 10)
        seqs = {}
        for prison in (other, prison_id):  # the other prison's event comes first
            stream = StreamId(prison, "participant", str(uuid.uuid4()))
            c = str(uuid.uuid4())
            appended = await store.append(await store.load(stream), [NewEvent(
                "ParticipantRegistered", {"case_type": "narcotics_user",
                                          "admitted_on": "2025-01-02"},
                "2025-01-02T00:00:00+07:00")], CommandMeta(c, "officer:test", c))
            seqs[prison] = appended.events[0].seq
        line = orjson.loads(await asyncio.wait_for(received.get(), 10))
        assert (line["seq"], line["envelope"]["prison_id"]) == (seqs[prison_id], prison_id)
        assert line["msg_id"] == line["envelope"]["event_id"]
        assert received.empty()
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_tail_from_an_instant_replays_what_was_appended_since(nc, store, prison_id):
    since = datetime.now(UTC)
    stream = StreamId(prison_id, "participant", str(uuid.uuid4()))
    c = str(uuid.uuid4())
    appended = await store.append(await store.load(stream), [NewEvent(
        "ParticipantRegistered", {"case_type": "narcotics_other", "admitted_on": "2025-01-02"},
        "2025-01-02T00:00:00+07:00")], CommandMeta(c, "officer:test", c))
    received: asyncio.Queue[bytes] = asyncio.Queue()
    task = asyncio.create_task(tail(nc, subject_filter(prison_id, "ParticipantRegistered"),
                                    since.isoformat(), received.put_nowait))
    try:
        line = orjson.loads(await asyncio.wait_for(received.get(), 10))
        assert line["seq"] == appended.events[0].seq
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_the_cli_tail_replays_from_a_sequence_then_follows(log_url):
    process = await asyncio.create_subprocess_exec(
        *PULIH, "events", "tail", "--prison", "lapas-jember", "--type", "AgreementExpired",
        "--from", "1", stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
        env={**{k: v for k, v in os.environ.items() if not k.startswith("PULIH_")},
             "PULIH_NATS_URL": log_url})
    try:
        line = orjson.loads(await asyncio.wait_for(process.stdout.readline(), 60))
        assert line["envelope"]["type"] == "AgreementExpired"
        assert line["envelope"]["prison_id"] == "lapas-jember"
    finally:
        process.send_signal(signal.SIGINT)
        assert await asyncio.wait_for(process.wait(), 30) == 0
