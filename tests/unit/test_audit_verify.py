"""`pulih audit verify` on entries and on export files, without servers: every check, and every
single-byte change and removed or swapped line of an export detected."""

import io
from datetime import UTC, datetime

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ops.checks import Broken, Entry, Verifier, envelope_hash, types_with_numbers, verify
from ops.events import ExportWriter
from ops.verify import entry, verify_lines
from shared.envelope import CommandMeta, NewEvent, StreamId, compute_hash, seal
from shared.eventlog import LogMessage, subject_filter

PRISON, OTHER = "lapas-banyuwangi", "lapas-jember"
AGREEMENT = "5b2f3c8e-1a2b-4c3d-8e9f-0a1b2c3d4e5f"
PROGRAM = "5b0e7c1a-2d4f-4e8a-9c3b-1f6a7d2e8b40"
SIGNED = {
    "number": "PKS/1", "title": "Rehabilitasi sosial",
    "partner": {"id": "yayasan-gennesa", "name": "Yayasan Gennesa", "kind": "foundation"},
    "services": ["counseling"], "signed_on": "2025-02-19", "effective_from": "2025-02-19",
    "effective_until": "2025-12-31", "signatories": [
        {"name": "A", "title": "Kalapas", "party": "prison"},
        {"name": "B", "title": "Ketua", "party": "partner"}],
    "renews": None, "committed_sessions_per_month": 4}
EVENTS = [
    (PRISON, "agreement", AGREEMENT, "AgreementSigned", SIGNED),
    (PRISON, "program", PROGRAM, "ProgramLaunched", {
        "agreement_id": AGREEMENT, "name": "Rehabilitasi 2025", "cohort": "2025-I",
        "activities": ["counseling"], "starts_on": "2025-03-03", "ends_on": "2025-08-29",
        "capacity": 20}),
    (PRISON, "agreement", AGREEMENT, "AgreementExtended", {
        "signed_on": "2025-06-02", "effective_until": "2026-06-30",
        "signatories": SIGNED["signatories"], "note": "Perpanjangan"}),
    (OTHER, "agreement", AGREEMENT, "AgreementSigned", SIGNED),  # same id, another prison
    (PRISON, "agreement", AGREEMENT, "AgreementTerminated", {
        "terminated_on": "2025-07-08", "reason": "Digantikan perjanjian baru"}),
]


def build(events=EVENTS):
    """The messages the store would write for `events`, chained per aggregate."""
    chains, out = {}, []
    for seq, (prison, aggregate_type, aggregate_id, kind, data) in enumerate(events, 1):
        stream = StreamId(prison, aggregate_type, aggregate_id)
        version, prev = chains.get(stream, (0, ""))
        command = f"00000000-0000-4000-8000-{seq:012d}"
        env = seal(stream, NewEvent(kind, data, "2025-03-03T00:00:00+07:00"),
                   CommandMeta(command, "officer:lapas-banyuwangi:rina", command), index=0,
                   version=version + 1, prev_hash=prev,
                   recorded_at="2025-03-03T02:00:00.000000+00:00")
        chains[stream] = (version + 1, env["hash"])
        out.append(LogMessage(seq, stream.subject(kind), env["event_id"], orjson.dumps(env)))
    return out


def export(messages, filter_=subject_filter(), from_seq=1, last=None):
    out = io.BytesIO()
    writer = ExportWriter(out, filter_, from_seq, last or messages[-1].seq,
                          datetime(2025, 3, 4, tzinfo=UTC))
    writer.write(messages)
    writer.close()
    return out.getvalue()


def broken(check_call) -> Broken:
    with pytest.raises(Broken) as caught:
        check_call()
    return caught.value


def entries(messages):
    return [entry(m) for m in messages]


def changed(e: Entry, rehash=True, **fields) -> Entry:
    """`e` with envelope fields changed, its hash recomputed (a forger's careful edit)."""
    env = {**e.envelope, **fields}
    if rehash:
        env["hash"] = compute_hash(env)
    return Entry(e.seq, e.subject, e.msg_id, env)


def test_a_valid_log_verifies_with_a_summary():
    summary = verify(entries(build()))
    assert (summary.events, summary.aggregates, summary.first_seq, summary.last_seq) == (
        5, 3, 1, 5)
    assert summary.types == {"AgreementSigned": 2, "ProgramLaunched": 1,
                             "AgreementExtended": 1, "AgreementTerminated": 1}
    report = summary.report()
    assert report.startswith("audit verify: OK") and "\n  AgreementSigned      2\n" in report


@pytest.mark.parametrize(("index", "edit", "check"), [
    (2, lambda e: changed(e, rehash=False, data={**e.envelope["data"], "note": "x"}), "hash"),
    (2, lambda e: changed(e, prev_hash="0" * 64), "chain"),
    (2, lambda e: changed(e, aggregate_version=3), "version"),
    (0, lambda e: changed(e, aggregate_version=2), "version"),
    (0, lambda e: changed(e, prev_hash="0" * 64), "chain"),
    (2, lambda e: changed(e, data={"note": "no date"}), "schema"),
    (2, lambda e: changed(e, type="SessionHeld"), "schema"),
    (2, lambda e: changed(e, schema_version=2), "schema"),
    (2, lambda e: Entry(e.seq, e.subject.replace(PRISON, OTHER), e.msg_id, e.envelope),
     "subject"),
    (2, lambda e: Entry(e.seq, e.subject, None, e.envelope), "msg_id"),
    (2, lambda e: Entry(e.seq, e.subject, e.msg_id, None), "body"),
    (2, lambda e: changed(e, rehash=False, extra=1), "envelope"),
    (2, lambda e: Entry(4, e.subject, e.msg_id, e.envelope), "sequence"),
])
def test_each_check_names_what_broke(index, edit, check):
    log = entries(build())
    log[index] = edit(log[index])
    failure = broken(lambda: verify(log))
    assert failure.check == check and failure.entry is log[index]
    report = failure.report()
    assert f"BROKEN at seq {log[index].seq}: {check}" in report
    assert log[index].subject in report


def test_a_reused_event_id_is_reported():
    log = entries(build())
    first = log[0].envelope["event_id"]
    log[3] = changed(log[3], event_id=first)
    log[3] = Entry(4, log[3].subject, first, log[3].envelope)
    assert broken(lambda: verify(log)).check == "event_id"


def test_one_prisons_log_only_increases_and_a_later_start_checks_chains_from_there():
    mine = [e for e in entries(build()) if e.envelope["prison_id"] == PRISON]
    assert verify(mine, Verifier(contiguous=False)).events == 4
    swapped = [mine[0], mine[2], mine[1], mine[3]]
    assert broken(lambda: verify(swapped, Verifier(contiguous=False))).check == "sequence"
    later = entries(build())[2:]
    assert verify(later, Verifier(first_seq=3, partial=True)).events == 3
    assert broken(lambda: verify(later, Verifier(first_seq=3))).check == "version"
    assert broken(lambda: verify(later, Verifier(first_seq=2, partial=True))).check == "sequence"


JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**64 - 1) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text(), JSON, max_size=6), st.text())
def test_the_fast_hash_is_the_contracts_hash(data, text):
    """orjson's canonical bytes are Python's for everything but floats (every code point,
    64-bit integers, key order), so the fast path hashes exactly what the contract says."""
    env = {**orjson.loads(build()[1].body), "actor": text, "data": data}
    assert "ProgramLaunched" not in types_with_numbers()
    assert envelope_hash(env, types_with_numbers()) == compute_hash(env)


def test_types_with_floats_take_the_reference_path():
    assert types_with_numbers() == {"AssessmentRecorded", "ScreeningRecorded"}
    env = {**orjson.loads(build()[1].body), "type": "AssessmentRecorded",
           "data": {"score": 1e-05}}
    assert envelope_hash(env, types_with_numbers()) == compute_hash(env)
    assert orjson.dumps(1e-05) != b"1e-05"  # why: orjson writes 0.00001


def test_an_export_verifies():
    summary = verify_lines(io.BytesIO(export(build())), "demo.jsonl")
    assert summary.events == 5 and "demo.jsonl" in summary.scope


def test_a_body_that_is_not_json_is_exported_and_reported():
    messages = build()
    messages[1] = LogMessage(2, messages[1].subject, messages[1].msg_id, b"{not json")
    lines = export(messages).splitlines(keepends=True)
    assert orjson.loads(lines[2])["raw"]
    failure = broken(lambda: verify_lines(lines))
    assert (failure.check, failure.where, failure.entry.seq) == ("body", "line 3", 2)


def test_every_single_flipped_bit_of_an_export_is_detected():
    data = export(build())
    for position in range(len(data)):
        for bit in (0x01, 0x20):
            tampered = bytearray(data)
            tampered[position] ^= bit
            with pytest.raises(Broken):
                verify_lines(io.BytesIO(bytes(tampered)))


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_any_single_byte_replaced_is_detected(draw):
    data = export(build())
    position = draw.draw(st.integers(0, len(data) - 1))
    byte = draw.draw(st.integers(0, 255).filter(lambda b: b != data[position]))
    tampered = data[:position] + bytes([byte]) + data[position + 1:]
    with pytest.raises(Broken):
        verify_lines(io.BytesIO(tampered))


@pytest.mark.parametrize("filter_", [subject_filter(), subject_filter(PRISON)])
def test_every_removed_line_is_detected(filter_):
    messages = build()
    if filter_ != subject_filter():
        messages = [m for m in messages if f".{PRISON}." in m.subject]
    lines = export(messages, filter_).splitlines(keepends=True)
    for i in range(len(lines)):
        with pytest.raises(Broken):
            verify_lines(lines[:i] + lines[i + 1:])


def test_a_removed_line_is_a_hole_named_by_line_and_seq():
    lines = export(build()).splitlines(keepends=True)
    failure = broken(lambda: verify_lines(lines[:3] + lines[4:]))
    assert (failure.check, failure.where, failure.expected, failure.found) == (
        "sequence", "line 4", 3, 4)
    assert "hole" in failure.message


def test_swapped_lines_and_a_truncated_file_are_detected():
    lines = export(build()).splitlines(keepends=True)
    swapped = lines[:2] + [lines[3], lines[2]] + lines[4:]
    assert broken(lambda: verify_lines(swapped)).check == "sequence"
    assert broken(lambda: verify_lines(lines[:-1])).check == "trailer"
    assert broken(lambda: verify_lines([*lines[:-1], lines[-1][:-1]])).check == "line"
    assert broken(lambda: verify_lines([])).check == "line"


def test_an_edit_that_keeps_the_json_value_is_still_detected():
    """`1.0` and `1e0` parse to the same number: the line's exact bytes are checked too."""
    messages = build()
    env = orjson.loads(messages[1].body)
    env["data"]["score_like"] = 1.0  # any float, as an AssessmentRecorded score
    lines = export([messages[0], LogMessage(2, messages[1].subject, messages[1].msg_id,
                                            orjson.dumps(env)), *messages[2:]])
    tampered = lines.replace(b'"score_like":1.0', b'"score_like":1e0', 1)
    assert tampered != lines and orjson.loads(tampered.splitlines()[2]) == orjson.loads(
        lines.splitlines()[2])
    failure = broken(lambda: verify_lines(io.BytesIO(tampered)))
    assert (failure.check, failure.where) == ("line", "line 3")
