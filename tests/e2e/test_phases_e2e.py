"""Tracks and phases through the whole stack: LaunchProgram with a track and a phase plan and
AdvancePhase over real NATS (every refusal writes nothing), then the reports over HTTP."""

import csv
import io

import orjson

from shared.envelope import STREAM
from tests.e2e.helpers import agreement, enrol, last_seq, launching, ok, program, refused, uid

PLAN = [{"name": "induction", "days": 30}, {"name": "primary", "days": 120},
        {"name": "re_entry", "days": 30}]
TRACKED = {"track": "medical", "planned_days": 180, "phases": PLAN}


def advancing(program_id, participant_id, phase="primary", on="2025-04-01", **over):
    return {"program_id": program_id, "participant_id": participant_id, "phase": phase,
            "advanced_on": on, **over}


async def test_launch_with_a_plan_and_advance_each_participant(stack, prison_id):
    async def cmd(name, data):
        return await stack.command(prison_id, "programs", name, data)

    program_id = await program(stack, prison_id, **TRACKED)
    message = await stack.nc.jetstream().get_msg(STREAM, await last_seq(stack))
    launched = orjson.loads(message.data)
    assert (launched["type"], launched["schema_version"]) == ("ProgramLaunched", 2)
    assert {k: launched["data"][k] for k in TRACKED} == TRACKED
    p1, p2 = [await enrol(stack, prison_id, program_id) for _ in range(2)]

    advanced = ok(await cmd("AdvancePhase", advancing(program_id, p1)), 4, "PhaseAdvanced")
    message = await stack.nc.jetstream().get_msg(STREAM, advanced["events"][0]["seq"])
    assert message.subject == f"pulih.events.{prison_id}.program.{program_id}.PhaseAdvanced"
    assert orjson.loads(message.data)["data"] == {
        "participant_id": p1, "phase": "primary", "advanced_on": "2025-04-01"}
    ok(await cmd("AdvancePhase", advancing(program_id, p1, "re_entry", "2025-07-01")), 5)

    before = await last_seq(stack)
    refused(await cmd("AdvancePhase", advancing(program_id, p1, "primary", "2025-07-02")),
            "rule", "phase")                                           # never back
    refused(await cmd("AdvancePhase", advancing(program_id, p2, "aftercare")), "rule", "phase")
    refused(await cmd("AdvancePhase", advancing(program_id, p2, on="2025-03-02")),
            "rule", "advanced_on")                                     # before the enrolment
    refused(await cmd("AdvancePhase", advancing(program_id, uid())), "rule", "participant_id")
    refused(await cmd("AdvancePhase", advancing(uid(), p2)), "not_found")
    refused(await cmd("AdvancePhase", advancing(program_id, p2, "detox")), "invalid", "data.phase")
    refused(await cmd("AdvancePhase", advancing(program_id, p2, nik="3510012304870001")),
            "invalid", "data.nik")
    without_plan = await program(stack, prison_id)
    p3 = await enrol(stack, prison_id, without_plan)
    after_setup = await last_seq(stack)
    refused(await cmd("AdvancePhase", advancing(without_plan, p3)), "rule", "phase")
    assert await last_seq(stack) == after_setup > before  # only the setup wrote anything


async def test_a_plan_that_does_not_fit_is_refused_and_writes_nothing(stack, prison_id):
    agreement_id = await agreement(stack, prison_id)
    before = await last_seq(stack)
    for over, code, field in (
            ({"phases": [PLAN[0], PLAN[0]]}, "invalid", "data.phases"),
            ({"planned_days": 0}, "invalid", "data.planned_days"),
            ({"track": "detox"}, "invalid", "data.track"),
            ({"planned_days": 100, "phases": PLAN}, "rule", "phases"),
            ({"starts_on": "2025-03-01", "ends_on": "2025-04-01", "planned_days": 40},
             "rule", "planned_days")):
        refused(await stack.command(prison_id, "programs", "LaunchProgram",
                                    launching(uid(), agreement_id, **over)), code, field)
    assert await last_seq(stack) == before


async def test_the_reports_show_the_plan_the_phases_and_the_roster(stack, prison_id):
    program_id = await program(stack, prison_id, **TRACKED)
    p1, p2, p3 = [await enrol(stack, prison_id, program_id) for _ in range(3)]
    ok(await stack.command(prison_id, "programs", "AdvancePhase", advancing(program_id, p1)))
    ok(await stack.command(prison_id, "programs", "WithdrawParticipant", {
        "program_id": program_id, "participant_id": p3, "withdrawn_on": "2025-04-02",
        "reason": "health"}))
    await stack.caught_up(await last_seq(stack))

    query = {"prison_id": prison_id}
    report = (await stack.http.get(f"/programs/{program_id}", params=query)).json()
    assert (report["track"], report["planned_days"], report["phases"]) == (
        "medical", 180, PLAN)
    assert report["phase_counts"] == {"induction": 1, "primary": 1, "re_entry": 0}
    assert list(report)[-4:] == ["track", "planned_days", "phases", "phase_counts"]

    roster = await stack.http.get(f"/programs/{program_id}/participants", params=query)
    assert roster.status_code == 200
    rows = {r["participant_id"]: r for r in roster.json()["items"]}
    assert {p: (r["status"], r["phase"], r["phase_since"], r["left_on"])
            for p, r in rows.items()} == {
        p1: ("active", "primary", "2025-04-01", None),
        p2: ("active", "induction", "2025-03-03", None),
        p3: ("withdrawn", "induction", "2025-03-03", "2025-04-02")}
    as_csv = await stack.http.get(f"/programs/{program_id}/participants",
                                  params={**query, "format": "csv"})
    header, *lines = csv.reader(io.StringIO(as_csv.text))
    assert header == ["participant_id", "status", "enrolled_on", "left_on", "phase",
                      "phase_since"] and len(lines) == 3
    unknown = await stack.http.get(f"/programs/{uid()}/participants")
    assert unknown.status_code == 404

    evaluation = await stack.http.get("/evaluation", params={**query, "to": "2026-10-31"})
    [row] = evaluation.json()["items"]
    assert (row["program_id"], row["track"]) == (program_id, "medical")
