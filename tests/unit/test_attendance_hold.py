"""Attendance domain: HoldSession."""

from __future__ import annotations

from services.attendance.domain import decide, evolve
from shared.contract.events import decode
from tests.unit.attendance_domain import (
    ANDI,
    BUDI,
    CAHYO,
    DEDI,
    EKO,
    NOW,
    PROGRAM,
    SESSION,
    at,
    cancel,
    closed,
    cohort,
    enrolled,
    held,
    hold,
    marks,
    reject,
    roster,
    schedule,
    step,
    withdrawn,
)

# --- HoldSession ------------------------------------------------------------------------------

def test_hold_records_the_session() -> None:
    events = decide(None, hold(), NOW, cohort())
    assert [e.type for e in events] == ["SessionHeld"]
    assert events[0].occurred_at == "2025-03-10T09:00:00+07:00"
    assert set(events[0].data) == {"program_id", "held_at", "duration_minutes", "activity",
                                   "topic", "facilitators", "attendance", "makeup_for"}
    assert events[0].data["attendance"][0] == {"participant_id": ANDI, "status": "present"}
    state = evolve(None, decode({"type": "SessionHeld", "aggregate_id": SESSION,
                                 "data": events[0].data, "occurred_at": events[0].occurred_at}))
    assert state.stage == "held" and state.held_at == at("2025-03-10")
    assert state.status_of(BUDI) == "present" and state.duration_minutes == 120


def test_a_back_dated_session_is_checked_against_the_roster_of_its_time() -> None:
    # Recorded on 2 June: Budi withdrew on 1 April and Dedi joined on 1 May.
    program = cohort(withdrawn(BUDI, "2025-04-01"), enrolled(DEDI, "2025-05-01"))
    march = hold(held_at="2025-03-24T09:00:00+07:00", attendance=marks(ANDI, BUDI, CAHYO))
    assert step(None, march, program).status_of(BUDI) == "present"
    may = hold(held_at="2025-05-12T09:00:00+07:00", attendance=marks(ANDI, CAHYO, DEDI))
    assert step(None, may, program).status_of(DEDI) == "present"
    error = reject("rule", "exactly the participants", None,
                   hold(held_at="2025-05-12T09:00:00+07:00"), program)
    assert {d.message for d in error.details} == {
        f"{BUDI} had withdrawn or completed before held_at",
        f"{DEDI} was active in the program at held_at but is not listed",
    }


def test_a_duplicate_is_named() -> None:
    error = reject("rule", "1 listed twice", None,
                   hold(attendance=marks(ANDI, BUDI, CAHYO, BUDI)), cohort())
    assert [(d.field, d.message) for d in error.details] == [
        ("attendance.3.participant_id", f"{BUDI} is listed more than once")]


def test_a_duplicate_with_two_statuses_is_still_a_duplicate() -> None:
    attendance = [*marks(ANDI, BUDI, CAHYO), {"participant_id": ANDI, "status": "absent"}]
    reject("rule", "1 listed twice", None, hold(attendance=attendance), cohort())


def test_strangers_are_named_with_the_reason() -> None:
    program = cohort(withdrawn(CAHYO, "2025-03-05"), enrolled(DEDI, "2025-03-20"))
    error = reject("rule", "3 not active", None,
                   hold(attendance=marks(ANDI, BUDI, CAHYO, DEDI, EKO)), program)
    assert [d.message for d in error.details] == [
        f"{CAHYO} had withdrawn or completed before held_at",
        f"{DEDI} enrolled in this program only after held_at",
        f"{EKO} never enrolled in this program",
    ]
    assert [d.field for d in error.details] == [f"attendance.{i}.participant_id"
                                                for i in (2, 3, 4)]


def test_missing_participants_are_named() -> None:
    error = reject("rule", "2 missing", None, hold(attendance=marks(BUDI)), cohort())
    assert [d.message for d in error.details] == [
        f"{pid} was active in the program at held_at but is not listed" for pid in (ANDI, CAHYO)]


def test_every_problem_is_reported_at_once() -> None:
    error = reject("rule", "1 listed twice, 1 not active at held_at, 1 missing", None,
                   hold(attendance=marks(ANDI, ANDI, EKO, BUDI)), cohort())
    assert len(error.details) == 3


def test_every_status_counts_as_listed() -> None:
    attendance = [{"participant_id": ANDI, "status": "late"},
                  {"participant_id": BUDI, "status": "absent"},
                  {"participant_id": CAHYO, "status": "excused"}]
    assert step(None, hold(attendance=attendance), cohort()).marks == (
        (ANDI, "late"), (BUDI, "absent"), (CAHYO, "excused"))


def test_same_day_enrolment_and_withdrawal_at_the_session() -> None:
    program = cohort(enrolled(DEDI, "2025-03-10"), withdrawn(BUDI, "2025-03-10"))
    step(None, hold(attendance=marks(ANDI, CAHYO, DEDI)), program)
    reject("rule", "exactly", None, hold(attendance=marks(ANDI, BUDI, CAHYO, DEDI)), program)


def test_withdrawal_later_the_same_day_keeps_the_morning_session() -> None:
    program = cohort(withdrawn(BUDI, "2025-03-10", "2025-03-10T15:00:00+07:00"))
    step(None, hold(), program)  # 09:00: Budi is still in


def test_re_enrolled_participant_across_spans() -> None:
    program = cohort(withdrawn(BUDI, "2025-04-01"), enrolled(BUDI, "2025-05-01"))
    reject("rule", "not active", None, hold(held_at="2025-04-14T09:00:00+07:00"), program)
    step(None, hold(held_at="2025-04-14T09:00:00+07:00", attendance=marks(ANDI, CAHYO)), program)
    step(None, hold(held_at="2025-05-05T09:00:00+07:00"), program)


def test_nobody_active_is_refused() -> None:
    reject("rule", "nobody was active", None, hold(attendance=[]), roster())
    program = cohort(withdrawn(ANDI, "2025-03-05"), withdrawn(BUDI, "2025-03-05"),
                     withdrawn(CAHYO, "2025-03-05"))
    reject("rule", "nobody was active", None, hold(attendance=[]), program)


def test_hold_needs_the_program_and_its_activity() -> None:
    reject("rule", f"program {PROGRAM} not found", None, hold(), None)
    error = reject("rule", "not one of the program's activities", None,
                   hold(activity="medical"), cohort())
    assert error.details[0].field == "activity"


def test_held_at_in_time() -> None:
    reject("rule", "in the future", None, hold(held_at="2025-06-02T10:01:00+07:00"), cohort())
    step(None, hold(held_at="2025-06-02T03:00:00Z"), cohort())  # exactly now is fine
    reject("rule", "before the program's starts_on 2025-03-03", None,
           hold(held_at="2025-03-02T23:59:00+07:00", attendance=[]), cohort())


def test_no_session_at_or_after_the_close() -> None:
    program = cohort(closed("2025-05-31"))
    step(None, hold(held_at="2025-05-30T09:00:00+07:00"), program)
    reject("rule", "closed by held_at", None, hold(held_at="2025-05-31T00:00:00+07:00"), program)


def test_occurred_at_of_a_held_session_is_held_at() -> None:
    reject("rule", "leave occurred_at out", None,
           hold(occurred_at="2025-03-12T09:00:00+07:00"), cohort())
    events = decide(None, hold(occurred_at="2025-03-10T02:00:00Z"), NOW, cohort())
    assert events[0].occurred_at == "2025-03-10T09:00:00+07:00"


def test_scheduled_then_held() -> None:
    planned = step(None, schedule(scheduled_for="2025-03-10T09:00:00+07:00",
                                  activity="counseling"), cohort())
    state = step(planned, hold(), cohort())
    assert state.stage == "held" and state.scheduled_for == at("2025-03-10")
    other = "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b"
    reject("rule", f"scheduled for program {PROGRAM}", planned, hold(program_id=other), cohort())


def test_held_twice_or_after_cancelling_is_refused() -> None:
    reject("rule", "already held", held(), hold(), cohort())
    cancelled = step(step(None, schedule(), cohort()), cancel())
    reject("rule", "was cancelled", cancelled, hold(), cohort())
