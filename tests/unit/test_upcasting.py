"""Upcasting: the registry's chain, its errors, its purity, and the raw log left untouched."""

import copy
import uuid
from datetime import UTC, date, datetime
from types import SimpleNamespace

import orjson
import pytest

import shared.contract.events  # noqa: F401  (registers the upcasters)
from services.programs.commands import RecordAssessment
from services.programs.domain import participant
from services.programs.handlers import TABLE
from shared.contract import upcasting
from shared.contract.events import decode as decode_fact
from shared.contract.upcasting import UnknownSchemaVersion, UpcastError, current_version, upcast
from shared.delivery import decode
from shared.envelope import CommandMeta, NewEvent, StreamId, compute_hash, seal
from shared.executor import Context, Executor
from shared.folder import Folder
from shared.memory_store import InMemoryEventStore
from shared.store import Recorded

PRISON = "lapas-banyuwangi"
PARTICIPANT = "9a000000-0000-4000-8000-000000000001"
STREAM = StreamId(PRISON, "participant", PARTICIPANT)
V1 = {"instrument": "ASSIST", "phase": "intake", "score": 27.0, "assessed_on": "2025-03-03",
      "program_id": None}


def sealed(type_, data, *, version, schema_version=1, prev_hash=""):
    command = str(uuid.uuid4())
    return seal(STREAM, NewEvent(type_, data, "2025-03-03T00:00:00+07:00", schema_version),
                CommandMeta(command, "officer:test:rina", command), index=0, version=version,
                prev_hash=prev_hash, recorded_at="2025-03-03T02:00:00.000000+00:00")


@pytest.fixture
def registry(monkeypatch):
    """A private copy of the registry, so a test's upcasters never leak into another test."""
    monkeypatch.setattr(upcasting, "UPCASTERS", dict(upcasting.UPCASTERS))
    monkeypatch.setattr(upcasting, "CURRENT", dict(upcasting.CURRENT))
    return upcasting


# --- the registry and the chain ------------------------------------------------------------

def test_assessment_recorded_v1_becomes_v2_with_the_role_not_recorded():
    assert current_version("AssessmentRecorded") == 2
    up = upcast(sealed("AssessmentRecorded", V1, version=2))
    assert up["schema_version"] == 2
    assert up["data"] == {**V1, "assessor_role": None}


def test_the_chain_applies_every_step_in_order(registry):
    registry.upcaster("Renamed", 1)(lambda d: {"b": d["a"]})
    registry.upcaster("Renamed", 2)(lambda d: {**d, "c": d["b"] * 2})
    assert current_version("Renamed") == 3
    assert upcast({"type": "Renamed", "schema_version": 1, "data": {"a": 2}}) == {
        "type": "Renamed", "schema_version": 3, "data": {"b": 2, "c": 4}}
    assert upcast({"type": "Renamed", "schema_version": 2, "data": {"b": 5}})["data"] == {
        "b": 5, "c": 10}


def test_a_type_without_upcasters_is_at_version_1_and_untouched():
    envelope = sealed("ParticipantRegistered", {"case_type": "narcotics_user",
                                                "admitted_on": "2024-06-10"}, version=1)
    assert current_version("ParticipantRegistered") == 1
    assert upcast(envelope) is envelope


def test_registering_a_step_twice_is_refused(registry):
    with pytest.raises(ValueError, match="already exists"):
        registry.upcaster("AssessmentRecorded", 1)(lambda d: d)


# --- errors --------------------------------------------------------------------------------

@pytest.mark.parametrize("type_", ["AssessmentRecorded", "SessionHeld"])
def test_a_version_newer_than_the_reader_is_a_clear_error(type_):
    with pytest.raises(UnknownSchemaVersion, match=rf"{type_} schema_version 9 is newer than "
                       r"this reader knows \(current \d\): upgrade the reader"):
        upcast({"type": type_, "schema_version": 9, "data": {}})


def test_a_version_with_no_path_is_a_clear_error(registry):
    registry.upcaster("Gappy", 2)(lambda d: d)  # no 1→2: the registry is broken for v1 events
    with pytest.raises(UnknownSchemaVersion, match="Gappy schema_version 1: no upcaster to 2"):
        upcast({"type": "Gappy", "schema_version": 1, "data": {}})
    with pytest.raises(UnknownSchemaVersion, match="schema_version 0"):
        upcast({"type": "AssessmentRecorded", "schema_version": 0, "data": {}})


def test_an_upcaster_failing_on_malformed_data_is_an_upcast_error():
    with pytest.raises(UpcastError, match=r"AssessmentRecorded schema_version 1→2: TypeError"):
        upcast({"type": "AssessmentRecorded", "schema_version": 1, "data": None})


def test_a_malformed_envelope_is_left_to_the_readers_own_checks():
    for envelope in ({"type": "AssessmentRecorded", "data": {}},
                     {"type": "AssessmentRecorded", "schema_version": "1", "data": {}},
                     {"type": "AssessmentRecorded", "schema_version": True, "data": {}},
                     {"schema_version": 1}):
        assert upcast(envelope) is envelope


# --- purity and the raw log ----------------------------------------------------------------

def test_upcasting_is_pure_and_leaves_hash_and_ids_as_stored():
    raw = sealed("AssessmentRecorded", V1, version=2, prev_hash="ab" * 32)
    before = copy.deepcopy(raw)
    up = upcast(raw)
    assert raw == before  # the input is never mutated
    assert upcast(raw) == up  # same input, same output
    changed = {k for k in raw if raw[k] != up[k]}
    assert changed == {"schema_version", "data"}
    assert compute_hash(raw) == raw["hash"]  # verification works on the stored envelope…
    assert compute_hash(up) != up["hash"]  # …and only there: an upcast one is not what was hashed
    for (type_, version), step in upcasting.UPCASTERS.items():
        data = copy.deepcopy(V1) if type_ == "AssessmentRecorded" else {}
        frozen = copy.deepcopy(data)
        step(data)
        assert data == frozen, f"the {type_} v{version} upcaster mutates its input"


def test_a_current_envelope_is_passed_through_as_is():
    envelope = sealed("AssessmentRecorded", {**V1, "assessor_role": "counselor"}, version=2,
                      schema_version=2)
    assert upcast(envelope) is envelope


# --- where readers meet events -------------------------------------------------------------

def registered():
    return sealed("ParticipantRegistered", {"case_type": "narcotics_user",
                                            "admitted_on": "2024-06-10"}, version=1)


def mixed_log():
    """A participant registered, then assessed once by a v1 writer (before the change)."""
    first = registered()
    return [Recorded(1, first),
            Recorded(2, sealed("AssessmentRecorded", V1, version=2, prev_hash=first["hash"]))]


async def test_store_reads_are_upcast_and_raw_reads_are_as_stored():
    store = InMemoryEventStore()
    store.log = mixed_log()
    stored = store.log[1].envelope
    history = await store.load(STREAM)
    assert [r.envelope["schema_version"] for r in history.events] == [1, 2]
    assert history.events[1].envelope["data"]["assessor_role"] is None
    assert history.last_hash == stored["hash"]  # the chain continues from the stored hash
    assert store.log[1].envelope is stored and stored["schema_version"] == 1
    upcast_read = await store.read(PRISON)
    assert upcast_read[1].envelope["schema_version"] == 2
    raw_read = await store.read(PRISON, raw=True)
    assert [r.envelope for r in raw_read] == [r.envelope for r in store.log]


async def test_a_command_on_a_mixed_history_writes_v2_chained_to_the_stored_hash():
    store = InMemoryEventStore()
    store.log = mixed_log()
    executor = Executor(Context(store, lambda: datetime(2025, 6, 2, 3, 0, tzinfo=UTC)), TABLE)
    command = RecordAssessment(participant_id=PARTICIPANT, instrument="ASSIST", phase="exit",
                               score=12, assessed_on="2025-06-02", assessor_role="counselor")
    c = str(uuid.uuid4())
    appended = await executor.run("RecordAssessment", PRISON, command,
                                  CommandMeta(c, "officer:test:rina", c), 2)
    assert appended.version == 3
    raw = [r.envelope for r in store.log]
    assert [(e["type"], e["schema_version"]) for e in raw] == [
        ("ParticipantRegistered", 1), ("AssessmentRecorded", 1), ("AssessmentRecorded", 2)]
    assert raw[2]["data"]["assessor_role"] == "counselor"
    for previous, event in zip(raw, raw[1:], strict=False):  # the raw chain holds
        assert event["prev_hash"] == previous["hash"] == compute_hash(previous)
    fresh = InMemoryEventStore()  # another instance, reading the mixed log from scratch
    fresh.log = store.log
    state = Folder(participant.evolve)(await fresh.load(STREAM))
    assert (state.admitted_on, state.in_custody) == (date(2024, 6, 10), True)



def test_writers_write_the_current_version():
    state = participant.evolve(None, decode_fact(registered()))
    command = RecordAssessment(participant_id=PARTICIPANT, instrument="URICA", phase="intake",
                               score=9, assessed_on="2025-03-03")
    [event] = participant.decide(state, command, date(2025, 3, 3))
    assert event.schema_version == current_version(event.type) == 2
    assert event.data["assessor_role"] is None  # the key is always there in v2


def delivery(envelope, seq=7):
    return SimpleNamespace(subject=f"pulih.events.{PRISON}.participant.{PARTICIPANT}.X",
                           reply=f"$JS.ACK.PULIH_EVENTS.c.1.{seq}.1.1.0",
                           data=orjson.dumps(envelope))


def test_the_runner_decodes_to_the_current_version_and_flags_a_future_one():
    raw = sealed("AssessmentRecorded", V1, version=2)
    decoded = decode(delivery(raw))
    assert decoded.envelope["schema_version"] == 2
    assert decoded.envelope["hash"] == raw["hash"]
    assert orjson.loads(decoded.data) == raw  # the parked/raw body stays as stored
    future = decode(delivery({**raw, "schema_version": 3}))
    assert future.envelope is None
    assert "AssessmentRecorded schema_version 3 is newer than this reader knows" in future.error
    assert decode(SimpleNamespace(subject="s", reply=delivery(raw).reply, data=b"{x")
                  ).error.startswith("malformed body: ")


def test_every_registered_chain_starts_at_1_without_gaps():
    for type_, current in upcasting.CURRENT.items():
        missing = [v for v in range(1, current) if (type_, v) not in upcasting.UPCASTERS]
        assert not missing, f"{type_}: no upcaster from version(s) {missing}"


def test_the_registry_agrees_with_the_schemas():
    from shared.contract import events as schemas
    from shared.contract.validation import validate

    for event_type, latest in schemas.latest_versions().items():
        assert current_version(event_type) == latest, event_type
    for event_type, version in upcasting.UPCASTERS:
        assert (event_type, version) in schemas.EVENT_SCHEMAS
        assert (event_type, version + 1) in schemas.EVENT_SCHEMAS
    old = sealed("AssessmentRecorded", V1, version=2, prev_hash="ab" * 32)
    assert validate(old) == []  # the stored v1 stays valid as stored…
    assert validate(upcast(old)) == []  # …and upcasts to a valid v2
