"""The attendance service through real NATS: every command, every rejection code, the exact
roster at `held_at` (back-dated sessions included) and read-your-writes after the programs
service's enrolments and withdrawals."""

import orjson
import pytest

from shared.envelope import STREAM
from tests.e2e.helpers import (
    enrol,
    holding,
    last_seq,
    ok,
    program,
    refused,
    replica,
    uid,
    withdrawing,
)


@pytest.fixture(scope="module")
async def two_instances(stack, nats_url):
    """A second instance of the command services next to the stack's (see helpers.replica)."""
    async with replica(nats_url) as rt:
        yield rt


def scheduling(session_id, program_id, **over):
    return {"session_id": session_id, "program_id": program_id,
            "scheduled_for": "2025-03-10T09:00:00+07:00", "activity": "counseling",
            "topic": "Mengenali pemicu", "facilitators": [], **over}


def correcting(session_id, participant_id, status="late", **over):
    return {"session_id": session_id, "participant_id": participant_id, "status": status,
            "reason": "salah catat", **over}


def _commands(stack, prison_id):
    async def cmd(name, data, **kw):
        return await stack.command(prison_id, "attendance", name, data, **kw)

    return cmd


async def _withdraw(stack, prison_id, program_id, participant_id, on):
    ok(await stack.command(prison_id, "programs", "WithdrawParticipant",
                           withdrawing(program_id, participant_id, on)),
       event_type="ParticipantWithdrawn")


async def test_every_command_succeeds_with_the_contract_reply(stack, prison_id):
    cmd = _commands(stack, prison_id)
    program_id = await program(stack, prison_id)
    p1, p2 = await enrol(stack, prison_id, program_id), await enrol(stack, prison_id, program_id)
    s1, s2, s3 = uid(), uid(), uid()
    scheduled = ok(await cmd("ScheduleSession", scheduling(s1, program_id)), 1,
                   "SessionScheduled")
    assert scheduled["aggregate_id"] == s1
    message = await stack.nc.jetstream().get_msg(STREAM, scheduled["events"][0]["seq"])
    assert message.subject == f"pulih.events.{prison_id}.session.{s1}.SessionScheduled"
    held = ok(await cmd("HoldSession", holding(s1, program_id, [p1, (p2, "absent")])), 2,
              "SessionHeld")
    corrected = ok(await cmd("CorrectAttendance", correcting(s1, p2), expected_version=2), 3,
                   "AttendanceCorrected")
    # Audited correction: the held event keeps the original mark, the correction is its own.
    held_event = orjson.loads((await stack.nc.jetstream().get_msg(
        STREAM, held["events"][0]["seq"])).data)
    assert {m["participant_id"]: m["status"] for m in held_event["data"]["attendance"]} == {
        p1: "present", p2: "absent"}
    fix = await stack.nc.jetstream().get_msg(STREAM, corrected["events"][0]["seq"])
    assert fix.subject == f"pulih.events.{prison_id}.session.{s1}.AttendanceCorrected"
    assert orjson.loads(fix.data)["data"] == {"participant_id": p2, "status": "late",
                                              "reason": "salah catat", "compliance": None}
    ok(await cmd("ScheduleSession", scheduling(s2, program_id)), 1)
    ok(await cmd("CancelSession", {"session_id": s2, "reason": "hujan deras"},
                 expected_version=1), 2, "SessionCancelled")
    # Held without being scheduled first.
    ok(await cmd("HoldSession", holding(s3, program_id, [(p1, "excused"), (p2, "late")],
                                        held_at="2025-03-11T13:00:00+07:00")), 1, "SessionHeld")


async def test_schema_errors_are_invalid_and_name_the_field(stack, prison_id):
    cmd = _commands(stack, prison_id)
    program_id = await program(stack, prison_id)
    p1 = await enrol(stack, prison_id, program_id)
    before = await last_seq(stack)
    cases = [
        (holding(uid(), program_id, [p1], duration_minutes=0), "data.duration_minutes"),
        (holding(uid(), program_id, [p1], duration_minutes=601), "data.duration_minutes"),
        (holding(uid(), program_id, [(p1, "asleep")]), "data.attendance.0.status"),
        (holding(uid(), program_id, [p1], held_at="2025-03-10T09:00:00"), "data.held_at"),
        (holding(uid(), program_id, [p1], activity="yoga"), "data.activity"),
        (holding(uid(), program_id, [p1], facilitators=[]), "data.facilitators"),
        (holding(uid(), program_id, [p1], facilitators=[
            {"name": "A", "organization": "B", "role": "guard"}]), "data.facilitators.0.role"),
        (holding("S-1", program_id, [p1]), "data.session_id"),
    ]
    for data, field in cases:
        refused(await cmd("HoldSession", data), "invalid", field)
    with_name = holding(uid(), program_id, [p1])
    with_name["attendance"][0]["name"] = "Budi Santoso"
    raw = await stack.nc.request(f"pulih.commands.{prison_id}.attendance.HoldSession",
                                 orjson.dumps({"command_id": uid(), "actor": "officer:x:y",
                                               "data": with_name}), timeout=10)
    assert b"Budi" not in raw.data
    refused(orjson.loads(raw.data), "invalid", "data.attendance.0.name")
    refused(await cmd("CorrectAttendance", correcting(uid(), p1, reason="")), "invalid",
            "data.reason")
    refused(await cmd("ScheduleSession", scheduling(uid(), program_id, scheduled_for="soon")),
            "invalid", "data.scheduled_for")
    assert await last_seq(stack) == before


async def test_unknown_sessions_are_not_found_and_stale_versions_conflict(stack, prison_id):
    cmd = _commands(stack, prison_id)
    program_id = await program(stack, prison_id)
    p1 = await enrol(stack, prison_id, program_id)
    held, scheduled = uid(), uid()
    ok(await cmd("HoldSession", holding(held, program_id, [p1])), 1)
    ok(await cmd("ScheduleSession", scheduling(scheduled, program_id)), 1)
    before = await last_seq(stack)
    refused(await cmd("CorrectAttendance", correcting(uid(), p1)), "not_found")
    refused(await cmd("CancelSession", {"session_id": uid(), "reason": "x"}), "not_found")
    refused(await cmd("CorrectAttendance", correcting(held, p1), expected_version=0), "conflict")
    refused(await cmd("CancelSession", {"session_id": scheduled, "reason": "x"},
                      expected_version=2), "conflict")
    refused(await cmd("HoldSession", holding(scheduled, program_id, [p1]), expected_version=0),
            "conflict")
    assert await last_seq(stack) == before


async def test_session_state_rules(stack, prison_id):
    cmd = _commands(stack, prison_id)
    program_id = await program(stack, prison_id)
    p1 = await enrol(stack, prison_id, program_id)
    held, cancelled = uid(), uid()
    ok(await cmd("HoldSession", holding(held, program_id, [p1])), 1)
    ok(await cmd("ScheduleSession", scheduling(cancelled, program_id)), 1)
    ok(await cmd("CancelSession", {"session_id": cancelled, "reason": "libur"}), 2)
    before = await last_seq(stack)
    cases = [
        ("HoldSession", holding(held, program_id, [p1]), "already held"),
        ("HoldSession", holding(cancelled, program_id, [p1]), "cancelled"),
        ("CancelSession", {"session_id": held, "reason": "x"}, "was held"),
        ("CancelSession", {"session_id": cancelled, "reason": "x"}, "already cancelled"),
        ("CorrectAttendance", correcting(cancelled, p1), "cancelled"),
        ("CorrectAttendance", correcting(held, p1, status="present"), "already marked"),
        ("CorrectAttendance", correcting(held, uid()), "not in this session"),
    ]
    for name, data, says in cases:
        error = refused(await cmd(name, data), "rule")
        assert says in error["message"], (name, error)
    assert await last_seq(stack) == before


async def test_the_roster_must_be_exact(stack, prison_id):
    cmd = _commands(stack, prison_id)
    program_id = await program(stack, prison_id)
    p1, p2 = await enrol(stack, prison_id, program_id), await enrol(stack, prison_id, program_id)
    gone = await enrol(stack, prison_id, program_id)
    await _withdraw(stack, prison_id, program_id, gone, "2025-03-05")
    stranger = uid()
    before = await last_seq(stack)
    cases = [
        ([p1], "attendance", f"{p2} was active"),
        ([p1, p2, stranger], "attendance.2.participant_id", "never enrolled"),
        ([p1, p2, p1], "attendance.2.participant_id", "more than once"),
        ([p1, p2, gone], "attendance.2.participant_id", "withdrawn or completed"),
    ]
    for marks, field, says in cases:
        error = refused(await cmd("HoldSession", holding(uid(), program_id, marks)), "rule",
                        field)
        assert any(says in d["message"] for d in error["details"]), error
    error = refused(await cmd("HoldSession", holding(uid(), program_id, [p1, p2],
                                                     activity="medical")), "rule", "activity")
    assert "not one of the program's activities" in error["message"]
    refused(await cmd("HoldSession", holding(uid(), uid(), [p1, p2])), "rule", "program_id")
    refused(await cmd("ScheduleSession", scheduling(uid(), program_id, activity="aftercare")),
            "rule", "activity")
    assert await last_seq(stack) == before
    ok(await cmd("HoldSession", holding(uid(), program_id, [(p2, "late"), p1])), 1)


async def test_a_back_dated_session_lists_only_those_active_then(stack, prison_id):
    cmd = _commands(stack, prison_id)
    program_id = await program(stack, prison_id)
    early = await enrol(stack, prison_id, program_id, on="2025-03-03")
    left = await enrol(stack, prison_id, program_id, on="2025-03-03")
    late = await enrol(stack, prison_id, program_id, on="2025-03-15")
    await _withdraw(stack, prison_id, program_id, left, "2025-03-20")
    # Recorded now, held on 10 March: `late` was not enrolled yet, `left` was still active.
    error = refused(await cmd("HoldSession", holding(uid(), program_id, [early, left, late])),
                    "rule", "attendance.2.participant_id")
    assert "only after held_at" in error["details"][0]["message"], error
    ok(await cmd("HoldSession", holding(uid(), program_id, [early, left])), 1)
    ok(await cmd("HoldSession", holding(uid(), program_id, [early, left, late],
                                        held_at="2025-03-17T09:00:00+07:00")), 1)
    ok(await cmd("HoldSession", holding(uid(), program_id, [early, late],
                                        held_at="2025-03-21T09:00:00+07:00")), 1)


@pytest.mark.usefixtures("two_instances")
async def test_read_your_writes_after_enrolment_and_withdrawal(stack, prison_id):
    """Each HoldSession goes out the moment the programs service's reply arrives."""
    cmd = _commands(stack, prison_id)
    program_id = await program(stack, prison_id, capacity=5)
    base = await enrol(stack, prison_id, program_id, on="2025-03-01")
    for i in range(30):
        day = f"2025-{4 + i // 14:02d}-{1 + 2 * (i % 14):02d}"
        after = f"2025-{4 + i // 14:02d}-{2 + 2 * (i % 14):02d}"
        fresh = await enrol(stack, prison_id, program_id, on=day)
        ok(await cmd("HoldSession", holding(uid(), program_id, [base, fresh],
                                            held_at=f"{day}T09:00:00+07:00")), 1)
        await _withdraw(stack, prison_id, program_id, fresh, after)
        ok(await cmd("HoldSession", holding(uid(), program_id, [base],
                                            held_at=f"{after}T09:00:00+07:00")), 1)
        error = refused(await cmd("HoldSession", holding(
            uid(), program_id, [base, fresh], held_at=f"{after}T10:00:00+07:00")), "rule",
            "attendance.1.participant_id")
        assert fresh in error["details"][0]["message"], (i, error)


async def test_program_report_counts_held_sessions_with_corrections(stack, prison_id):
    cmd = _commands(stack, prison_id)
    program_id = await program(stack, prison_id)
    p1, p2, p3, p4 = [await enrol(stack, prison_id, program_id) for _ in range(4)]
    s1, s2, s3, off = uid(), uid(), uid(), uid()
    ok(await cmd("HoldSession", holding(s1, program_id, [
        p1, (p2, "absent"), (p3, "excused"), (p4, "late")])))
    ok(await cmd("HoldSession", holding(s2, program_id, [
        p1, p2, (p3, "absent"), (p4, "absent")], held_at="2025-03-17T09:00:00+07:00")))
    ok(await cmd("CorrectAttendance", correcting(s1, p2, status="excused")))
    ok(await cmd("CorrectAttendance", correcting(s2, p3, status="present")))
    await _withdraw(stack, prison_id, program_id, p4, "2025-03-20")
    ok(await cmd("HoldSession", holding(s3, program_id, [p1, (p2, "late"), (p3, "absent")],
                                        held_at="2025-03-24T09:00:00+07:00")))
    ok(await cmd("ScheduleSession", scheduling(off, program_id,
                                               scheduled_for="2025-03-31T09:00:00+07:00")))
    last = ok(await cmd("CancelSession", {"session_id": off, "reason": "libur"}))
    await stack.caught_up(last["events"][0]["seq"])
    report = (await stack.http.get(f"/programs/{program_id}")).json()
    # s1: p1 + p4 of p1, p4 (p2 corrected to excused); s2: 3 of 4; s3: 2 of 3. `off` not held.
    assert report["sessions_held"] == 3, report
    assert report["attendance_rate"] == pytest.approx(7 / 9), report
    assert (report["enrolled"], report["active"], report["withdrawn"]) == (4, 3, 1), report
    unknown = await stack.http.get(f"/programs/{uid()}")
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "not_found"
