"""`/evaluation` and `/regional` through the whole stack: NATS commands in two prisons, HTTP out.

Dates are fixed in 2025–2026 and every request names `to` (2026-10-31), so the figures do not
move with the day the test runs.
"""

import csv
import io
import uuid

from services.reporting.projections import projections
from services.reporting.read.asof import asof_schema
from shared.runner import ProjectionRunner
from tests.e2e.helpers import (
    agreement,
    enrol,
    holding,
    last_seq,
    launching,
    ok,
    program,
    uid,
    withdrawing,
)

TO = "2026-10-31"


def steps(stack, prison_id):
    async def cmd(service, name, data):
        return ok(await stack.command(prison_id, service, name, data))

    return cmd


async def first_prison(stack, prison_id) -> str:
    """Three participants, a back-dated session, a correction, a cancelled session, a
    withdrawal for release, a completion, two releases and a readmission within 6 months."""
    cmd = steps(stack, prison_id)
    program_id = await program(stack, prison_id)
    p1, p2, p3 = [await enrol(stack, prison_id, program_id) for _ in range(3)]
    s1, s2, s3 = uid(), uid(), uid()
    await cmd("attendance", "HoldSession", holding(
        s1, program_id, [p1, (p2, "absent"), (p3, "late")]))  # 2025-03-10, 90 min counseling
    await cmd("attendance", "ScheduleSession", {
        "session_id": s2, "program_id": program_id, "scheduled_for": "2025-03-17T09:00:00+07:00",
        "activity": "counseling", "topic": "x", "facilitators": []})
    await cmd("attendance", "CancelSession", {"session_id": s2, "reason": "hujan deras"})
    for phase, score, on in (("intake", 20, "2025-03-04"), ("exit", 12, "2025-06-30")):
        await cmd("programs", "RecordAssessment", {
            "participant_id": p1, "instrument": "ASSIST", "phase": phase, "score": score,
            "assessed_on": on, "program_id": program_id})
    await cmd("programs", "WithdrawParticipant",
              withdrawing(program_id, p3, "2025-04-01", reason="released"))
    await cmd("programs", "RecordRelease", {
        "participant_id": p3, "released_on": "2025-04-01", "release_type": "parole"})
    await cmd("programs", "RecordReadmission", {"participant_id": p3,
                                                "readmitted_on": "2025-09-01"})
    await cmd("programs", "CompleteParticipant", {
        "program_id": program_id, "participant_id": p1, "completed_on": "2025-07-01"})
    await cmd("programs", "RecordRelease", {
        "participant_id": p1, "released_on": "2025-07-15", "release_type": "expiration"})
    # Recorded late: a session held on 24 March, and a correction of the first one.
    await cmd("attendance", "HoldSession", holding(
        s3, program_id, [p1, (p2, "absent"), p3], held_at="2025-03-24T09:00:00+07:00",
        duration_minutes=60, activity="skills_training"))
    await cmd("attendance", "CorrectAttendance", {
        "session_id": s1, "participant_id": p2, "status": "present", "reason": "salah catat"})
    return program_id


async def second_prison(stack, prison_id) -> tuple[str, str]:
    """One participant under another partner: completed, released, back after 13 months."""
    cmd = steps(stack, prison_id)
    agreement_id = await agreement(stack, prison_id, partner={
        "id": "ipwl-lrppn-bi-banyuwangi", "name": "IPWL LRPPN-BI", "kind": "ipwl"})
    program_id = uid()
    await cmd("programs", "LaunchProgram", launching(program_id, agreement_id))
    q1 = await enrol(stack, prison_id, program_id)
    await cmd("attendance", "HoldSession", holding(uid(), program_id, [q1], duration_minutes=120))
    await cmd("programs", "CompleteParticipant", {
        "program_id": program_id, "participant_id": q1, "completed_on": "2025-06-30"})
    await cmd("programs", "RecordRelease", {
        "participant_id": q1, "released_on": "2025-08-01", "release_type": "transfer"})
    await cmd("programs", "RecordReadmission", {"participant_id": q1,
                                                "readmitted_on": "2026-09-01"})
    return program_id, agreement_id


def row(enrolled, active, completed, withdrawn, sessions, hours, attendance, scores, released,
        *recidivism):
    return {"enrolled": enrolled, "active": active, "completed": completed,
            "withdrawn": withdrawn, "completion_rate": completed / enrolled,
            "sessions_held": sessions, "hours_by_activity": hours,
            "attendance_rate": attendance, "score_change": scores, "score_excluded": {},
            "released": released,
            **dict(zip(["released_6m", "readmitted_6m", "released_12m", "readmitted_12m",
                        "released_24m", "readmitted_24m"], recidivism, strict=True)),
            # No urine test here (test_urine_commands.py has them).
            "urine_tests": 0, "urine_positive": 0, "positivity_rate": None, "violations": 0,
            "violations_open": 0, "violations_sanctioned": 0}


# Issue 13's session fields, appended: neither prison records a session not held nor a make-up
# nor a compliance (the cancelled session is not "not held").
NO_SESSION_NEWS = {"sessions_not_held": 0, "not_held_by_reason": {}, "makeup_sessions": 0,
                   "compliance_rate": None}
# p1 completed, p3 withdrawn, p2 active. Marks: 10 Mar 3/3 (p2 corrected to present), 24 Mar
# 2/3. Releases: p3 on 1 Apr (back 1 Sep, within 6 months), p1 on 15 Jul (not back).
FIRST = row(3, 1, 1, 1, 2, {"counseling": 1.5, "skills_training": 1.0}, 5 / 6,
            {"ASSIST": -8.0}, 2, 2, 1, 2, 1, 0, 0)
# q1 "released" 2025-08-01 with release_type transfer: a transfer, not a release (contract
# v2), so neither released nor followed (the return on 2026-09-01 is not a readmission).
SECOND = row(1, 0, 1, 0, 1, {"counseling": 2.0}, 1.0, {}, 0, 0, 0, 0, 0, 0, 0)


async def test_evaluation_and_regional_of_two_prisons(stack):
    suffix = uuid.uuid4().hex[:8]
    first, second = f"lapas-a-{suffix}", f"lapas-b-{suffix}"
    program_a = await first_prison(stack, first)
    program_b, agreement_b = await second_prison(stack, second)
    await stack.caught_up(await last_seq(stack))

    async def get(path, **params):
        response = await stack.http.get(path, params={"to": TO, **params})
        assert response.status_code == 200, response.text
        return response

    items = (await get("/evaluation", prison_id=first)).json()["items"]
    assert [(i["program_id"], i["partner_id"]) for i in items] == [
        (program_a, "yayasan-gennesa")]
    assert {k: v for k, v in items[0].items() if k in FIRST} == FIRST
    items = (await get("/evaluation", prison_id=second)).json()["items"]
    assert items == [{"prison_id": second, "partner_id": "ipwl-lrppn-bi-banyuwangi",
                      "agreement_id": agreement_b, "program_id": program_b,
                      "program_name": "Rehabilitasi 2025", **SECOND, **NO_SESSION_NEWS,
                      "track": None}]

    # March–April: both sessions, no completion yet, p3's withdrawal and release.
    windowed = (await get("/evaluation", prison_id=first, **{"from": "2025-03-01"},
                          to="2025-04-30")).json()["items"][0]
    assert (windowed["completed"], windowed["withdrawn"], windowed["active"],
            windowed["sessions_held"], windowed["attendance_rate"], windowed["released"]) == (
        0, 1, 2, 2, 5 / 6, 1)

    regional = [r for r in (await get("/regional")).json()["items"]
                if r["prison_id"] in (first, second)]
    assert regional == [{"prison_id": first, **FIRST, "agreements_active": 1, **NO_SESSION_NEWS},
                        {"prison_id": second, **SECOND, "agreements_active": 1,
                         **NO_SESSION_NEWS}]

    as_csv = await get("/evaluation", prison_id=second, format="csv")
    header, line = csv.reader(io.StringIO(as_csv.text))
    assert dict(zip(header, line, strict=True))["hours_by_activity"] == '{"counseling":2.0}'

    # The same reports from a replay of the log into `asof_<name>`, and a replay that is not.
    name = f"e2e_{suffix}"
    runner = ProjectionRunner(stack.rt.nc, await stack.rt.pool(), projections(),
                              schema=asof_schema(name))
    await runner.run_until(await last_seq(stack))
    try:
        replayed = (await get("/evaluation", prison_id=first, as_of=name)).json()["items"]
        assert replayed == (await get("/evaluation", prison_id=first)).json()["items"]
        replayed = [r for r in (await get("/regional", as_of=name)).json()["items"]
                    if r["prison_id"] in (first, second)]
        assert replayed == regional
    finally:
        async with (await stack.rt.pool()).acquire() as conn:
            await conn.execute(f'DROP SCHEMA "{asof_schema(name)}" CASCADE')
    missing = await stack.http.get("/evaluation", params={"as_of": name})
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
