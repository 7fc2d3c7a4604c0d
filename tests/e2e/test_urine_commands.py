"""Urine tests and violations through real NATS and the whole stack: RecordUrineTest and
ResolveViolation succeed with the contract reply, a retry returns the same reply and writes
nothing, every refusal writes nothing, and /evaluation (JSON and CSV) counts them."""

import csv
import io

import orjson

from shared.envelope import STREAM
from tests.e2e.helpers import enrol, last_seq, ok, participant, program, refused, uid

TO = "2026-10-31"


def urine_test(participant_id, test_id, program_id=None, **over):
    return {"participant_id": participant_id, "test_id": test_id, "tested_on": "2025-03-10",
            "kind": "random", "point": None, "panel": ["cannabis", "methamphetamine"],
            "results": {"methamphetamine": "positive", "cannabis": "negative"},
            "witnessed": True, "program_id": program_id, **over}


def resolving(participant_id, test_id, **over):
    return {"participant_id": participant_id, "test_id": test_id, "resolved_on": "2025-03-12",
            "outcome": "sanctioned", "note": "Sidang TPP", **over}


def _commands(stack, prison_id):
    async def cmd(name, data, **kw):
        return await stack.command(prison_id, "programs", name, data, **kw)

    return cmd


async def test_both_commands_succeed_and_the_evaluation_counts_them(stack, prison_id):
    cmd = _commands(stack, prison_id)
    program_id = await program(stack, prison_id)
    who, test_id = await enrol(stack, prison_id, program_id), uid()
    recorded = ok(await cmd("RecordUrineTest", urine_test(who, test_id, program_id)), 2,
                  "UrineTestRecorded")
    message = await stack.nc.jetstream().get_msg(STREAM, recorded["events"][0]["seq"])
    assert message.subject == f"pulih.events.{prison_id}.participant.{who}.UrineTestRecorded"
    assert orjson.loads(message.data)["data"] == {
        "test_id": test_id, "tested_on": "2025-03-10", "kind": "random", "point": None,
        "panel": ["methamphetamine", "cannabis"],
        "results": {"methamphetamine": "positive", "cannabis": "negative"},
        "witnessed": True, "program_id": program_id}
    resolved = ok(await cmd("ResolveViolation", resolving(who, test_id)), 3,
                  "ViolationResolved")
    message = await stack.nc.jetstream().get_msg(STREAM, resolved["events"][0]["seq"])
    assert orjson.loads(message.data)["data"] == {
        "test_id": test_id, "resolved_on": "2025-03-12", "outcome": "sanctioned",
        "note": "Sidang TPP"}
    # A second test, no program named, negative: counted for the program by membership.
    ok(await cmd("RecordUrineTest", urine_test(who, uid(), tested_on="2025-03-20", results={
        "methamphetamine": "negative", "cannabis": "negative"})), 4)

    await stack.caught_up(await last_seq(stack))
    params = {"prison_id": prison_id, "to": TO}
    [row] = (await stack.http.get("/evaluation", params=params)).json()["items"]
    assert {k: row[k] for k in ("urine_tests", "urine_positive", "positivity_rate",
                                "violations", "violations_open", "violations_sanctioned")} == {
        "urine_tests": 2, "urine_positive": 1, "positivity_rate": 0.5, "violations": 1,
        "violations_open": 0, "violations_sanctioned": 1}
    text = (await stack.http.get("/evaluation", params={**params, "format": "csv"})).text
    header, line = csv.reader(io.StringIO(text))
    # The session fields (sessions_not_held … compliance_rate, 4 columns) and `track` come after.
    assert header[-11:-5] == ["urine_tests", "urine_positive", "positivity_rate", "violations",
                              "violations_open", "violations_sanctioned"]
    assert line[-11:-5] == ["2", "1", "0.5", "1", "0", "1"]
    [prison] = [r for r in (await stack.http.get("/regional", params={"to": TO})).json()["items"]
                if r["prison_id"] == prison_id]
    assert (prison["urine_tests"], prison["violations_sanctioned"]) == (2, 1)


async def test_a_retry_returns_the_same_reply_and_writes_nothing(stack, prison_id):
    cmd = _commands(stack, prison_id)
    who, test_id, record_id, resolve_id = await participant(stack, prison_id), uid(), uid(), uid()
    first = ok(await cmd("RecordUrineTest", urine_test(who, test_id), command_id=record_id), 2)
    resolved = ok(await cmd("ResolveViolation", resolving(who, test_id),
                            command_id=resolve_id, expected_version=2), 3)
    before = await last_seq(stack)
    assert await cmd("RecordUrineTest", urine_test(who, test_id), command_id=record_id) == first
    # Even with its expected_version now stale, the retry gets its original success.
    assert await cmd("ResolveViolation", resolving(who, test_id), command_id=resolve_id,
                     expected_version=2) == resolved
    assert await last_seq(stack) == before


async def test_refusals_write_nothing(stack, prison_id):
    cmd = _commands(stack, prison_id)
    program_id = await program(stack, prison_id)
    who, outsider, test_id = await participant(stack, prison_id), uid(), uid()
    ok(await cmd("RecordUrineTest", urine_test(who, test_id)), 2)
    negative = uid()
    ok(await cmd("RecordUrineTest", urine_test(who, negative, results={
        "methamphetamine": "negative", "cannabis": "invalid"})), 3)
    ok(await cmd("ResolveViolation", resolving(who, test_id)), 4)
    before = await last_seq(stack)
    cases = [
        ("RecordUrineTest", urine_test(who, uid(), panel=[]), "invalid", "data.panel"),
        ("RecordUrineTest", urine_test(who, uid(), results={"methamphetamine": "maybe",
                                                          "cannabis": "negative"}),
         "invalid", "data.results.methamphetamine"),
        ("RecordUrineTest", {**urine_test(who, uid()), "nik": "3510012304870001"}, "invalid",
         "data.nik"),
        ("ResolveViolation", resolving(who, test_id, outcome="fined"), "invalid",
         "data.outcome"),
        ("RecordUrineTest", urine_test(outsider, uid()), "not_found", None),
        ("ResolveViolation", resolving(outsider, test_id), "not_found", None),
        ("RecordUrineTest", urine_test(who, test_id, tested_on="2025-03-11"), "rule", "test_id"),
        ("RecordUrineTest", urine_test(who, uid(), results={"cannabis": "negative"}), "rule",
         "results"),
        ("RecordUrineTest", urine_test(who, uid(), point="middle"), "rule", "point"),
        ("RecordUrineTest", urine_test(who, uid(), tested_on="2025-01-09"), "rule", "tested_on"),
        ("RecordUrineTest", urine_test(who, uid(), program_id), "rule", "program_id"),
        ("RecordUrineTest", urine_test(who, uid(), uid()), "rule", "program_id"),
        ("ResolveViolation", resolving(who, test_id), "rule", "test_id"),
        ("ResolveViolation", resolving(who, negative), "rule", "test_id"),
        ("ResolveViolation", resolving(who, uid()), "rule", "test_id"),
    ]
    for name, data, code, field in cases:
        refused(await cmd(name, data), code, field)
    assert await last_seq(stack) == before
