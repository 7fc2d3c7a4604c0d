"""`decide` for the session aggregate: every rule of ScheduleSession, HoldSession,
CorrectAttendance, CancelSession and RecordSessionNotHeld (its rules, make-ups' and
compliance's in `makeup.py`).

Pure: no I/O, no clock, no logging. `now` (an aware instant) and the program's `Roster`, read
from the log by the handler, are passed in. Time rules are judged in business time: a session
is checked against the roster at its `held_at`, however late it is recorded.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from services.attendance.commands import (
    CancelSession,
    CorrectAttendance,
    Facilitator,
    HoldSession,
    Mark,
    RecordSessionNotHeld,
    ScheduleSession,
)
from services.attendance.domain.makeup import check_compliance, check_makeup, not_held
from services.attendance.domain.roster import Roster
from services.attendance.domain.session import Session
from shared.contract.events import (
    AttendanceCorrectedV2,
    Event,
    SessionCancelled,
    SessionHeldV2,
    SessionScheduled,
)
from shared.envelope import NewEvent
from shared.errors import Detail, Rejected, not_found, rule

Command = ScheduleSession | HoldSession | CorrectAttendance | CancelSession | RecordSessionNotHeld


def decide(
    state: Session | None, command: Command, now: datetime, program: Roster | None = None,
    replaced: Session | None = None, made_up: Mapping[str, str] | None = None,
) -> list[NewEvent]:
    """The one event `command` asks for, or `Rejected`.

    `program` is the roster of the command's `program_id` in the same prison (None when that
    program does not exist); only ScheduleSession, HoldSession and RecordSessionNotHeld read
    it. A HoldSession with `makeup_for` also reads `replaced`, that session's state in this
    prison (None: not found), and `made_up`: replaced session id -> the held session that
    made it up, over this prison's sessions.
    """
    match command:
        case ScheduleSession():
            return [_schedule(state, command, program)]
        case HoldSession():
            check_makeup(command, replaced, made_up)
            return [_hold(state, command, now, program)]
        case RecordSessionNotHeld():
            return [not_held(state, command, now, program)]
    if state is None:
        raise not_found(f"session {command.session_id} not found")
    match command:
        case CorrectAttendance():
            return [_correct(state, command, now)]
        case CancelSession():
            return [_cancel(state, command, now)]
    raise TypeError(f"not a session command: {type(command).__name__}")


def _schedule(state: Session | None, c: ScheduleSession, program: Roster | None) -> NewEvent:
    if state is not None:
        raise rule("session already exists: a session id is scheduled once", "session_id")
    program = _offering(program, c.program_id, c.activity)
    if program.closed_at is not None:
        raise rule("program is closed: no more sessions can be scheduled", "program_id")
    if c.scheduled_for < program.starts_at:
        raise rule("scheduled_for must not be before the program's starts_on "
                   f"{program.starts_on.isoformat()}", "scheduled_for")
    scheduled = SessionScheduled.of(
        program_id=c.program_id, scheduled_for=c.scheduled_for, activity=c.activity,
        topic=c.topic, facilitators=_staff(c.facilitators))
    return _event(scheduled, c.occurred_at or c.scheduled_for)


def _hold(state: Session | None, c: HoldSession, now: datetime, program: Roster | None) -> NewEvent:
    if state is not None:
        if state.stage == "held":
            raise rule("session already held: change a mark with CorrectAttendance", "session_id")
        if state.stage == "cancelled":
            raise rule("session was cancelled: a cancelled session cannot be held", "session_id")
        if state.stage == "not_held":
            raise rule("session was recorded not held: hold a make-up as a new session with "
                       "makeup_for", "session_id")
        if state.program_id != c.program_id:
            raise rule(f"session was scheduled for program {state.program_id}", "program_id")
    program = _offering(program, c.program_id, c.activity)
    if c.held_at > now:
        raise rule("held_at must not be in the future", "held_at")
    if c.held_at < program.starts_at:
        raise rule("held_at must not be before the program's starts_on "
                   f"{program.starts_on.isoformat()}", "held_at")
    if program.closed_at is not None and c.held_at >= program.closed_at:
        raise rule("program was closed by held_at", "held_at")
    if c.occurred_at is not None and c.occurred_at != c.held_at:
        raise rule("a held session occurred at its held_at: leave occurred_at out or send the "
                   "same instant", "occurred_at")
    _exact_roster(program, c)
    check_compliance(((f"attendance.{i}.compliance", m.status, m.compliance)
                      for i, m in enumerate(c.attendance)), "attendance")
    held = SessionHeldV2.of(
        program_id=c.program_id, held_at=c.held_at, duration_minutes=c.duration_minutes,
        activity=c.activity, topic=c.topic, facilitators=_staff(c.facilitators),
        attendance=[_mark(m) for m in c.attendance],
        makeup_for=c.makeup_for)
    return _event(held, c.held_at)


def _exact_roster(program: Roster, c: HoldSession) -> None:
    """Every participant active at held_at exactly once, and nobody else. The reply names each
    offending participant id (a pseudonym) so the officer can fix the list in one go."""
    expected = program.active_at(c.held_at)
    seen: set[str] = set()
    twice: list[Detail] = []
    strangers: list[Detail] = []
    for i, mark in enumerate(c.attendance):
        pid, where = mark.participant_id, f"attendance.{i}.participant_id"
        if pid in seen:
            twice.append(Detail(where, f"{pid} is listed more than once"))
        elif pid not in expected:
            strangers.append(Detail(where, f"{pid} {program.why_not_active(pid, c.held_at)}"))
        seen.add(pid)
    missing = [Detail("attendance", f"{pid} was active in the program at held_at but is not "
                      "listed") for pid in sorted(expected - seen)]
    if twice or strangers or missing:
        raise Rejected(
            "rule",
            "attendance must list exactly the participants active in the program at held_at, "
            f"each once: {len(twice)} listed twice, {len(strangers)} not active at held_at, "
            f"{len(missing)} missing",
            twice + strangers + missing,
        )
    if not expected:
        # The list would be trivially exact, but a session nobody could attend is almost
        # always a wrong held_at or program_id; refuse it rather than record an empty session.
        raise rule("nobody was active in the program at held_at: check held_at and program_id",
                   "attendance")


def _correct(state: Session, c: CorrectAttendance, now: datetime) -> NewEvent:
    if state.stage == "scheduled":
        raise rule("session has not been held: only a held session's marks can be corrected",
                   "session_id")
    if state.stage == "cancelled":
        raise rule("session was cancelled: it has no attendance to correct", "session_id")
    if state.stage == "not_held":
        raise rule("session was not held: it has no attendance to correct", "session_id")
    current = state.status_of(c.participant_id)
    if current is None:
        raise rule(f"{c.participant_id} is not in this session's attendance list",
                   "participant_id")
    if current == c.status and state.compliance_of(c.participant_id) == c.compliance:
        raise rule(f"{c.participant_id} is already marked {current}"
                   + (f" ({c.compliance})" if c.compliance else ""), "status")
    check_compliance([("compliance", c.status, c.compliance)], "compliance")
    at = _when(c.occurred_at, now)
    if state.held_at is not None and at < state.held_at:
        raise rule("a correction cannot occur before the session was held", "occurred_at")
    corrected = AttendanceCorrectedV2.of(participant_id=c.participant_id, status=c.status,
                                         reason=c.reason, compliance=c.compliance)
    return _event(corrected, at)


def _cancel(state: Session, c: CancelSession, now: datetime) -> NewEvent:
    if state.stage == "held":
        raise rule("session was held: a held session cannot be cancelled", "session_id")
    if state.stage == "cancelled":
        raise rule("session is already cancelled", "session_id")
    if state.stage == "not_held":
        raise rule("session was recorded not held: it cannot be cancelled", "session_id")
    return _event(SessionCancelled.of(reason=c.reason), _when(c.occurred_at, now))


def _offering(program: Roster | None, program_id: str, activity: str) -> Roster:
    """The program, which must exist in this prison and offer `activity`."""
    if program is None:
        raise rule(f"program {program_id} not found in this prison", "program_id")
    if activity not in program.activities:
        raise rule(f"activity {activity} is not one of the program's activities: "
                   f"{', '.join(program.activities)}", "activity")
    return program


def _when(occurred_at: datetime | None, now: datetime) -> datetime:
    """A correction or cancellation happens when it is decided, unless the client says when;
    never in the future."""
    if occurred_at is not None and occurred_at > now:
        raise rule("occurred_at must not be in the future", "occurred_at")
    return occurred_at or now


def _mark(mark: Mark) -> dict[str, str]:
    """A stored mark: `compliance` only when recorded (null is the key left out)."""
    stored = {"participant_id": mark.participant_id, "status": mark.status}
    if mark.compliance is not None:
        stored["compliance"] = mark.compliance
    return stored


def _staff(facilitators: list[Facilitator]) -> list[dict[str, str]]:
    return [f.model_dump() for f in facilitators]


def _event(event: Event, occurred_at: datetime) -> NewEvent:
    return event.stamped(occurred_at.isoformat())
