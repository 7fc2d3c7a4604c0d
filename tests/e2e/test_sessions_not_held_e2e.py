"""Issue 13 §6 through the whole stack: RecordSessionNotHeld, a make-up session and compliance
marks over real NATS, and their figures in `/evaluation`, `/regional` and `/programs/{id}`
against a hand-computed scenario.

Every request names `to`, so the figures do not move with the day the test runs.
"""

import orjson

from shared.envelope import STREAM
from tests.e2e.helpers import enrol, holding, last_seq, ok, program, refused, uid


def _commands(stack, prison_id):
    async def cmd(name, data):
        return await stack.command(prison_id, "attendance", name, data)

    return cmd


def not_held(session_id, program_id, planned_for, reason, **over):
    return {"session_id": session_id, "program_id": program_id, "planned_for": planned_for,
            "reason": reason, "note": "dicatat petugas", **over}


def graded(*marks):
    """(participant_id, status, compliance or None) -> attendance marks."""
    return [{"participant_id": p, "status": s, **({"compliance": c} if c else {})}
            for p, s, c in marks]


async def stored(stack, reply):
    message = await stack.nc.jetstream().get_msg(STREAM, reply["events"][0]["seq"])
    return message.subject, orjson.loads(message.data)


async def test_record_session_not_held_and_its_refusals(stack, prison_id):
    cmd = _commands(stack, prison_id)
    program_id = await program(stack, prison_id)
    p1 = await enrol(stack, prison_id, program_id)
    s1, s2 = uid(), uid()
    reply = ok(await cmd("RecordSessionNotHeld", not_held(
        s1, program_id, "2025-03-17T09:00:00+07:00", "security_lockdown")), 1, "SessionNotHeld")
    subject, envelope = await stored(stack, reply)
    assert subject == f"pulih.events.{prison_id}.session.{s1}.SessionNotHeld"
    assert (envelope["schema_version"], envelope["occurred_at"]) == (
        1, "2025-03-17T09:00:00+07:00")
    assert envelope["data"] == {"program_id": program_id, "planned_for":
                                "2025-03-17T09:00:00+07:00", "reason": "security_lockdown",
                                "note": "dicatat petugas"}
    ok(await cmd("ScheduleSession", {
        "session_id": s2, "program_id": program_id, "scheduled_for": "2025-03-24T09:00:00+07:00",
        "activity": "counseling", "topic": "x", "facilitators": []}), 1)
    before = await last_seq(stack)
    refused(await cmd("RecordSessionNotHeld", not_held(
        s2, uid(), "2025-03-24T09:00:00+07:00", "holiday")), "rule", "program_id")
    refused(await cmd("RecordSessionNotHeld", not_held(
        uid(), uid(), "2025-03-24T09:00:00+07:00", "holiday")), "rule", "program_id")
    refused(await cmd("RecordSessionNotHeld", not_held(
        s2, program_id, "2025-03-24T09:00:00+07:00", "rain")), "invalid", "data.reason")
    refused(await cmd("RecordSessionNotHeld", not_held(
        s1, program_id, "2025-03-17T09:00:00+07:00", "holiday")), "rule", "session_id")
    refused(await cmd("HoldSession", holding(s1, program_id, [p1])), "rule", "session_id")
    refused(await cmd("CancelSession", {"session_id": s1, "reason": "x"}), "rule", "session_id")
    assert await last_seq(stack) == before  # refusals write nothing
    ok(await cmd("RecordSessionNotHeld", not_held(
        s2, program_id, "2025-03-24T09:00:00+07:00", "holiday", note=None)), 2, "SessionNotHeld")


async def test_a_makeup_session_names_the_one_it_replaces_once(stack, prison_id):
    cmd = _commands(stack, prison_id)
    program_id, other_program = await program(stack, prison_id), await program(stack, prison_id)
    p1 = await enrol(stack, prison_id, program_id)
    missed, held, makeup = uid(), uid(), uid()
    ok(await cmd("RecordSessionNotHeld", not_held(
        missed, program_id, "2025-03-17T09:00:00+07:00", "facilitator_ill")), 1)
    ok(await cmd("HoldSession", holding(held, program_id, [p1])), 1)
    before = await last_seq(stack)
    for replaced, program_of_makeup in ((held, program_id), (uid(), program_id),
                                        (missed, other_program)):
        refused(await cmd("HoldSession", holding(
            uid(), program_of_makeup, [p1], makeup_for=replaced)), "rule", "makeup_for")
    assert await last_seq(stack) == before
    reply = ok(await cmd("HoldSession", holding(
        makeup, program_id, [], attendance=graded((p1, "present", "compliant")),
        held_at="2025-03-19T09:00:00+07:00", makeup_for=missed)), 1, "SessionHeld")
    _, envelope = await stored(stack, reply)
    assert envelope["schema_version"] == 2 and envelope["data"]["makeup_for"] == missed
    assert envelope["data"]["attendance"] == graded((p1, "present", "compliant"))
    error = refused(await cmd("HoldSession", holding(
        uid(), program_id, [p1], held_at="2025-03-20T09:00:00+07:00", makeup_for=missed)),
        "rule", "makeup_for")
    assert f"already made up by session {makeup}" in error["message"]


async def scenario(stack, prison_id):
    """One program, three participants; the figures below are counted by hand from it."""
    cmd = _commands(stack, prison_id)
    program_id = await program(stack, prison_id)
    p1, p2, p3 = [await enrol(stack, prison_id, program_id) for _ in range(3)]
    s1, s2, s3, s4, s5, m1, m3 = (uid() for _ in range(7))
    ok(await cmd("HoldSession", holding(s1, program_id, [], attendance=graded(
        (p1, "present", "compliant"), (p2, "late", "partial"), (p3, "absent", None)))))
    ok(await cmd("ScheduleSession", {
        "session_id": s2, "program_id": program_id, "scheduled_for": "2025-03-17T09:00:00+07:00",
        "activity": "counseling", "topic": "x", "facilitators": []}))
    ok(await cmd("RecordSessionNotHeld", not_held(
        s2, program_id, "2025-03-17T09:00:00+07:00", "security_lockdown")))
    ok(await cmd("RecordSessionNotHeld", not_held(
        s3, program_id, "2025-03-24T09:00:00+07:00", "holiday")))
    ok(await cmd("RecordSessionNotHeld", not_held(
        s4, program_id, "2025-05-05T09:00:00+07:00", "partner_absent")))
    ok(await cmd("ScheduleSession", {
        "session_id": s5, "program_id": program_id, "scheduled_for": "2025-03-31T09:00:00+07:00",
        "activity": "counseling", "topic": "x", "facilitators": []}))
    ok(await cmd("CancelSession", {"session_id": s5, "reason": "banjir"}))
    ok(await cmd("HoldSession", holding(m1, program_id, [], attendance=graded(
        (p1, "present", "compliant"), (p2, "present", "non_compliant"), (p3, "present", None)),
        held_at="2025-03-19T09:00:00+07:00", makeup_for=s2)))
    ok(await cmd("HoldSession", holding(m3, program_id, [], attendance=graded(
        (p1, "excused", None), (p2, "present", "compliant"), (p3, "late", None)),
        held_at="2025-04-02T09:00:00+07:00", makeup_for=s5)))
    ok(await cmd("CorrectAttendance", {"session_id": s1, "participant_id": p2,
                                       "status": "present", "compliance": "compliant",
                                       "reason": "salah catat"}))
    ok(await cmd("CorrectAttendance", {"session_id": m1, "participant_id": p1,
                                       "status": "absent", "reason": "salah catat"}))
    return program_id


# Held s1, m1, m3; not held s2 (lockdown), s3 (holiday), s4 (partner absent, in May); s5
# cancelled. Make-ups: m1 for s2, m3 for s5. Marks after corrections, present/late with a
# compliance: s1 p1 compliant, p2 compliant; m1 p2 non_compliant (p1 absent: none, p3 none);
# m3 p2 compliant (p3 late: none) -> 3 / 4. Attendance: s1 2/3, m1 2/3, m3 2/2 -> 6/8.
ALL_TIME = {"sessions_held": 3, "attendance_rate": 6 / 8, "sessions_not_held": 3,
            "not_held_by_reason": {"holiday": 1, "partner_absent": 1, "security_lockdown": 1},
            "makeup_sessions": 2, "compliance_rate": 3 / 4}
# March only: s1, m1 held (m3 on 2 April), s2 and s3 not held, m1 the one make-up.
MARCH = {"sessions_held": 2, "attendance_rate": 4 / 6, "sessions_not_held": 2,
         "not_held_by_reason": {"holiday": 1, "security_lockdown": 1}, "makeup_sessions": 1,
         "compliance_rate": 2 / 3}


async def test_evaluation_regional_and_program_figures(stack, prison_id):
    program_id = await scenario(stack, prison_id)
    await stack.caught_up(await last_seq(stack))

    async def get(path, **params):
        response = await stack.http.get(path, params=params)
        assert response.status_code == 200, response.text
        return response.json()

    def pick(item, wanted):
        return {k: item[k] for k in wanted}

    [item] = (await get("/evaluation", prison_id=prison_id, to="2026-10-31"))["items"]
    assert pick(item, ALL_TIME) == ALL_TIME
    assert list(item)[-5:] == ["sessions_not_held", "not_held_by_reason", "makeup_sessions",
                               "compliance_rate", "track"]  # appended after every v1 field
    [march] = (await get("/evaluation", prison_id=prison_id, to="2025-03-31",
                         **{"from": "2025-03-01"}))["items"]
    assert pick(march, MARCH) == MARCH
    [prison] = [r for r in (await get("/regional", to="2026-10-31"))["items"]
                if r["prison_id"] == prison_id]
    assert pick(prison, ALL_TIME) == ALL_TIME and prison["agreements_active"] == 1
    report = await get(f"/programs/{program_id}", prison_id=prison_id)
    assert (report["sessions_held"], report["sessions_not_held"]) == (3, 3)
