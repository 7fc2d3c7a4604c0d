"""Attendance domain (issue 13 §6): sessions not held, make-ups, compliance marks."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from services.attendance.commands import RecordSessionNotHeld
from services.attendance.domain import Session, decide, evolve, fold_makeups
from shared.contract.events import decode, upcast
from shared.errors import Rejected
from tests.unit import refusals
from tests.unit.attendance_domain import (
    ANDI,
    BUDI,
    CAHYO,
    NOW,
    PROGRAM,
    SESSION,
    cancel,
    cohort,
    correct,
    hold,
    invalid_fields,
    marks,
    schedule,
)

MISSED = "c1000000-0000-4000-8000-000000000001"
MAKEUP = "c1000000-0000-4000-8000-000000000002"
OTHER_PROGRAM = "c1000000-0000-4000-8000-0000000000ff"
# A session lost to a lockdown on Monday 17 March.
LOCKDOWN = {"session_id": MISSED, "program_id": PROGRAM, "reason": "security_lockdown",
            "planned_for": "2025-03-17T09:00:00+07:00", "note": "Razia blok"}


def not_held(**changes: Any) -> RecordSessionNotHeld:
    return RecordSessionNotHeld.model_validate({**LOCKDOWN, **changes})


def run(state: Session | None, command: BaseModel, session_id: str = MISSED,
        **reads: Any) -> Session:
    """decide, then evolve the one event as the store's readers meet it (its schema_version)."""
    reads.setdefault("program", cohort())
    [event] = decide(state, command, NOW, **reads)
    return evolve(state, decode({"type": event.type, "schema_version": event.schema_version,
                                 "aggregate_id": session_id, "data": event.data,
                                 "occurred_at": event.occurred_at}))


def reject(fragment: str, state: Session | None, command: BaseModel, **reads: Any) -> Rejected:
    reads.setdefault("program", cohort())
    return refusals.refused("rule", fragment, decide, state, command, NOW, **reads)


def missed() -> Session:
    return run(None, not_held())


def makeup(**changes: Any):
    return hold(session_id=MAKEUP, makeup_for=MISSED, **changes)


# --- RecordSessionNotHeld -----------------------------------------------------------------

def test_a_new_session_id_is_recorded_not_held() -> None:
    [event] = decide(None, not_held(), NOW, cohort())
    assert (event.type, event.schema_version) == ("SessionNotHeld", 1)
    assert event.occurred_at == "2025-03-17T09:00:00+07:00"
    assert event.data == {"program_id": PROGRAM, "planned_for": "2025-03-17T09:00:00+07:00",
                          "reason": "security_lockdown", "note": "Razia blok"}
    state = missed()
    assert (state.stage, state.program_id) == ("not_held", PROGRAM)
    same_instant = decide(None, not_held(occurred_at="2025-03-17T09:00:00+07:00"), NOW, cohort())
    assert same_instant[0].occurred_at == event.occurred_at


def test_a_scheduled_session_is_recorded_not_held() -> None:
    scheduled = run(None, schedule(session_id=MISSED))
    state = run(scheduled, not_held(planned_for="2025-06-02T09:00:00+07:00", note=None))
    assert state.stage == "not_held" and state.activity == "skills_training"
    assert state.scheduled_for == scheduled.scheduled_for


def test_not_held_rules() -> None:
    scheduled = run(None, schedule(session_id=MISSED))
    reject("scheduled for program", scheduled, not_held(program_id=OTHER_PROGRAM))
    reject("not found in this prison", None, not_held(), program=None)
    reject("already recorded not held", missed(), not_held())
    reject("already held", run(None, hold(session_id=MISSED)), not_held())
    reject("is cancelled", run(scheduled, cancel(session_id=MISSED)), not_held())
    reject("must not be in the future", None, not_held(planned_for="2025-06-02T10:00:01+07:00"))
    reject("occurred at its planned_for", None,
           not_held(occurred_at="2025-03-18T09:00:00+07:00"))


def test_not_held_fields_are_validated_at_the_edge() -> None:
    assert invalid_fields("RecordSessionNotHeld", {**not_held().model_dump(mode="json"),
                                                   "reason": "rain"}) == ["reason"]
    assert "planned_for" in invalid_fields("RecordSessionNotHeld", {
        "session_id": MISSED, "program_id": PROGRAM, "reason": "holiday"})
    assert "nik" in invalid_fields("RecordSessionNotHeld", {
        **not_held().model_dump(mode="json"), "nik": "3510"})


def test_a_session_not_held_is_never_held_corrected_nor_cancelled() -> None:
    reject("a make-up", missed(), hold(session_id=MISSED))
    reject("no attendance to correct", missed(), correct())
    reject("cannot be cancelled", missed(), cancel())


# --- make-ups ---------------------------------------------------------------------------------

def test_a_makeup_of_a_session_not_held_or_cancelled() -> None:
    [event] = decide(None, makeup(), NOW, cohort(), replaced=missed(), made_up={})
    assert (event.type, event.schema_version) == ("SessionHeld", 2)
    assert event.data["makeup_for"] == MISSED
    state = run(None, makeup(), MAKEUP, replaced=missed(), made_up={})
    assert state.makeup_for == MISSED and state.stage == "held"
    called_off = run(run(None, schedule(session_id=MISSED)), cancel(session_id=MISSED))
    assert run(None, makeup(), MAKEUP, replaced=called_off).makeup_for == MISSED
    # The make-up's own earlier record (a retry decided again) is not "another" make-up.
    assert decide(None, makeup(), NOW, cohort(), replaced=missed(), made_up={MISSED: MAKEUP})


def test_makeup_rules() -> None:
    reject("cannot make up for itself", None, hold(makeup_for=SESSION), replaced=missed())
    reject("not found in this prison", None, makeup(), replaced=None)
    other = Session(MISSED, OTHER_PROGRAM, "not_held", "", "")
    reject("a make-up is a session of the same program", None, makeup(), replaced=other)
    reject("is scheduled", None, makeup(), replaced=run(None, schedule(session_id=MISSED)))
    reject("is held", None, makeup(), replaced=run(None, hold(session_id=MISSED)))
    reject(f"already made up by session {SESSION}", None, makeup(), replaced=missed(),
           made_up={MISSED: SESSION})


def test_the_first_held_makeup_in_the_log_is_the_one_that_counts() -> None:
    def held(session_id: str, makeup_for: str | None) -> Any:
        return decode({"type": "SessionHeld", "schema_version": 2, "aggregate_id": session_id,
                       "occurred_at": "2025-03-20T09:00:00+07:00",
                       "data": {**hold().model_dump(mode="json"), "makeup_for": makeup_for}})

    made_up = fold_makeups(None, [held(SESSION, None), held(MAKEUP, MISSED)])
    assert dict(made_up) == {MISSED: MAKEUP}
    assert dict(fold_makeups(made_up, [held(SESSION, MISSED)])) == {MISSED: MAKEUP}
    assert fold_makeups(None, []) == {}


# --- compliance -------------------------------------------------------------------------------

def graded() -> list[dict[str, Any]]:
    return [{"participant_id": ANDI, "status": "present", "compliance": "compliant"},
            {"participant_id": BUDI, "status": "late", "compliance": "partial"},
            {"participant_id": CAHYO, "status": "absent"}]


def test_compliance_is_stored_beside_present_and_late_marks() -> None:
    [event] = decide(None, hold(attendance=graded()), NOW, cohort())
    # A compliance not recorded is the key left out (a full program must fit one message).
    assert event.data["attendance"] == graded()
    state = run(None, hold(attendance=graded()), SESSION)
    assert state.compliance == ((ANDI, "compliant"), (BUDI, "partial"), (CAHYO, None))


def test_compliance_only_with_present_or_late() -> None:
    wrong = [*marks(ANDI), {"participant_id": BUDI, "status": "excused",
                            "compliance": "non_compliant"},
             {"participant_id": CAHYO, "status": "absent", "compliance": "compliant"}]
    refusal = reject("only for present or late marks", None, hold(attendance=wrong))
    assert [d.field for d in refusal.details] == ["attendance.1.compliance",
                                                  "attendance.2.compliance"]
    assert invalid_fields("HoldSession", {
        **hold().model_dump(mode="json"),
        "attendance": [{"participant_id": ANDI, "status": "present", "compliance": "partly"}],
    }) == ["attendance.0.compliance"]


def test_a_correction_sets_status_and_compliance() -> None:
    state = run(None, hold(attendance=graded()), SESSION)
    [event] = decide(state, correct(ANDI, "present", compliance="non_compliant"), NOW)
    assert (event.type, event.schema_version) == ("AttendanceCorrected", 2)
    state = run(state, correct(ANDI, "present", compliance="non_compliant"), SESSION)
    assert state.compliance_of(ANDI) == "non_compliant" and state.status_of(ANDI) == "present"
    # Left out, the compliance becomes "not recorded": the correction says what the mark is.
    state = run(state, correct(BUDI, "absent"), SESSION)
    assert (state.status_of(BUDI), state.compliance_of(BUDI)) == ("absent", None)
    reject("already marked present (non_compliant)", state,
           correct(ANDI, "present", compliance="non_compliant"))
    reject("only for present or late", state, correct(CAHYO, "excused", compliance="partial"))
    assert decide(state, correct(CAHYO, "late", compliance="partial"), NOW)


def test_a_v1_correction_keeps_working_on_a_v1_mark() -> None:
    state = run(None, hold(), SESSION)
    reject("already marked present", state, correct(ANDI, "present"))
    state = run(state, correct(ANDI, "late"), SESSION)
    assert (state.status_of(ANDI), state.compliance_of(ANDI)) == ("late", None)


# --- upcasting v1 ------------------------------------------------------------------------------

def test_v1_session_events_upcast_to_v2_with_nulls_and_fold() -> None:
    held_v1 = {**hold().model_dump(mode="json", exclude={"session_id", "occurred_at",
                                                         "makeup_for"}),
               "attendance": marks(ANDI, BUDI, CAHYO)}
    envelope = {"type": "SessionHeld", "schema_version": 1, "aggregate_id": SESSION,
                "occurred_at": "2025-03-10T09:00:00+07:00", "data": held_v1}
    up = upcast(envelope)
    assert up["schema_version"] == 2 and up["data"]["makeup_for"] is None
    assert [m["compliance"] for m in up["data"]["attendance"]] == [None, None, None]
    assert envelope["data"] == held_v1  # pure
    fixed = upcast({**envelope, "type": "AttendanceCorrected", "data": {
        "participant_id": BUDI, "status": "late", "reason": "salah catat"}})
    assert (fixed["schema_version"], fixed["data"]["compliance"]) == (2, None)
    state = evolve(evolve(None, decode(up)), decode(fixed))
    assert state.marks == ((ANDI, "present"), (BUDI, "late"), (CAHYO, "present"))
    assert state.compliance == ((ANDI, None), (BUDI, None), (CAHYO, None))
    assert state.makeup_for is None
