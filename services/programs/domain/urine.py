"""Urine tests and the violations a positive result opens, on the participant aggregate
(docs/pathway.md section 3). Pure: `participant.decide` / `participant.evolve` delegate here.

A violation is the test's own: violation `test_id` is opened by a test with at least one
`positive` result and resolved once (explained, sanctioned or dismissed).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from services.programs.domain.common import dated, not_before, not_future
from services.programs.urine_commands import RecordUrineTest, ResolveViolation
from shared.contract.events import (
    ParticipantCompleted,
    ParticipantEnrolled,
    ParticipantWithdrawn,
    ProgramLaunched,
    UrineTestRecorded,
    ViolationResolved,
)
from shared.contract.registry import Fact, Unknown
from shared.envelope import NewEvent
from shared.errors import rule

if TYPE_CHECKING:
    from services.programs.domain.participant import Participant

Command = RecordUrineTest | ResolveViolation
COMMANDS = (RecordUrineTest, ResolveViolation)
EVENTS = (UrineTestRecorded, ViolationResolved)
# What a test's `program_id` needs of the program: each participant's enrolment spans
# (enrolled_on, ended_on or None while active), in order.
Spans = Mapping[str, tuple[tuple[date, date | None], ...]]


@dataclass(frozen=True)
class UrineRecord:
    """A participant's tests (test_id → tested_on) and the violations still open."""

    tested: Mapping[str, date] = field(default_factory=dict)
    open: frozenset[str] = frozenset()


def decide(state: Participant, command: Command, today: date, *,
           memberships: Spans | None = None) -> NewEvent:
    """The event `command` asks for, or `Rejected`. `memberships` is the program
    `RecordUrineTest.program_id` names, folded by `memberships` below (None: not in this
    prison)."""
    if isinstance(command, RecordUrineTest):
        return _test(state, command, today, memberships)
    return _resolve(state, command, today)


def evolve(record: UrineRecord, event: UrineTestRecorded | ViolationResolved) -> UrineRecord:
    if isinstance(event, UrineTestRecorded):
        opened = {event.test_id} if "positive" in event.results.values() else set()
        return UrineRecord({**record.tested, event.test_id: event.tested_on},
                           record.open | opened)
    return UrineRecord(record.tested, record.open - {event.test_id})


def memberships(state: Spans | None, fact: Fact) -> Spans:
    """Fold of a program's events into its members' enrolment spans."""
    event = fact.event
    if isinstance(event, ProgramLaunched):
        return {}
    if state is None:
        raise ValueError(f"{event.TYPE} before ProgramLaunched")
    match event:
        case ParticipantEnrolled():
            spans = state.get(event.participant_id, ())
            return {**state, event.participant_id: (*spans, (event.enrolled_on, None))}
        case ParticipantCompleted(completed_on=ended_on) | ParticipantWithdrawn(
                withdrawn_on=ended_on):
            *earlier, (start, _) = state[event.participant_id]
            return {**state, event.participant_id: (*earlier, (start, ended_on))}
        case Unknown():
            raise ValueError(f"unknown program event type {event.TYPE}")
    return state


def enrolled_on(spans: Spans, participant_id: str, day: date) -> bool:
    """Whether one of the participant's spans covers `day` (both ends included)."""
    return any(start <= day and (end is None or day <= end)
               for start, end in spans.get(participant_id, ()))


def _test(state: Participant, c: RecordUrineTest, today: date,
          program: Spans | None) -> NewEvent:
    if not state.in_custody:
        raise rule("participant is not in custody: released on "
                   f"{state.released_on.isoformat()}", "tested_on")
    if c.test_id in state.urine.tested:
        raise rule("test_id is already a test of this participant", "test_id")
    what = "admitted_on" if state.readmissions == 0 else "the last readmission"
    not_before(c.tested_on, state.custody_since, "tested_on", what)
    not_future(c.tested_on, today, "tested_on")
    if set(c.results) != set(c.panel):
        missing = sorted(set(c.panel) - set(c.results))
        extra = sorted(set(c.results) - set(c.panel))
        raise rule("results must have exactly the panel's substances: "
                   f"missing {missing}, not in the panel {extra}", "results")
    if c.point is not None and c.kind != "scheduled":
        raise rule("point is only for a scheduled test", "point")
    if c.program_id is not None:
        if program is None:
            raise rule("program not found in this prison", "program_id")
        if not enrolled_on(program, state.participant_id, c.tested_on):
            raise rule("participant is not enrolled in this program on tested_on", "program_id")
    recorded = UrineTestRecorded.of(
        test_id=c.test_id, tested_on=c.tested_on, kind=c.kind, point=c.point, panel=c.panel,
        results={substance: c.results[substance] for substance in c.panel},
        witnessed=c.witnessed, program_id=c.program_id)
    return dated(recorded, c.tested_on, c.occurred_at, "tested_on")


def _resolve(state: Participant, c: ResolveViolation, today: date) -> NewEvent:
    tested_on = state.urine.tested.get(c.test_id)
    if tested_on is None:
        raise rule("test_id is not a test of this participant", "test_id")
    if c.test_id not in state.urine.open:
        raise rule("no open violation for this test: its results were not positive, or it "
                   "was already resolved", "test_id")
    not_before(c.resolved_on, tested_on, "resolved_on", "the test")
    not_future(c.resolved_on, today, "resolved_on")
    resolved = ViolationResolved.of(test_id=c.test_id, resolved_on=c.resolved_on,
                                    outcome=c.outcome, note=c.note)
    return dated(resolved, c.resolved_on, c.occurred_at, "resolved_on")
