"""Who belongs to a program, and when: the attendance service's own view of the program log.

Folded from the programs service's public events on the `program` aggregate (ProgramLaunched,
ParticipantEnrolled, ParticipantWithdrawn, ParticipantCompleted, ProgramClosed); this service
never calls nor imports the programs service.

Membership is kept as spans per participant, in business time: a span opens at the
`occurred_at` of ParticipantEnrolled and ends at the `occurred_at` of the ParticipantWithdrawn or
ParticipantCompleted that follows it (open while the participant is still active). Someone
withdrawn may be enrolled again later, which opens a new span. A participant is **active at
instant t** when some span has `enrolled_at <= t < ended_at`.

A date-only command defaults `occurred_at` to 00:00 WIB of its date, so by default:
- someone enrolled on day D is expected in every session held on D;
- someone withdrawn or completed on day D is not expected in any session held on D.
A client that needs another boundary sends a precise `occurred_at`, e.g. a completion at
17:00 after the cohort's last session that afternoon.

"Active at `held_at`" is judged at the session's time, not at the time it is recorded: a
session typed in three days late is checked against the roster as it stood when it was held.
Likewise the program is open from `starts_on` (00:00 WIB) until the `occurred_at` of
ProgramClosed, that instant excluded.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time
from typing import Any

from shared.envelope import WIB
from shared.upcasting import current_version

PROGRAM_EVENT_TYPES = (
    "ProgramLaunched", "ParticipantEnrolled", "ParticipantWithdrawn",
    "ParticipantCompleted", "ProgramClosed",
)


@dataclass(frozen=True)
class Span:
    enrolled_at: datetime
    ended_at: datetime | None = None

    def covers(self, t: datetime) -> bool:
        return self.enrolled_at <= t and (self.ended_at is None or t < self.ended_at)


@dataclass(frozen=True)
class Roster:
    program_id: str
    activities: tuple[str, ...]
    starts_on: date
    ends_on: date
    closed_at: datetime | None = None
    # participant_id -> membership spans, oldest first; only the last one may be open.
    spans: tuple[tuple[str, tuple[Span, ...]], ...] = ()

    @property
    def starts_at(self) -> datetime:
        return datetime.combine(self.starts_on, time(0), WIB)

    def open_at(self, t: datetime) -> bool:
        return self.starts_at <= t and (self.closed_at is None or t < self.closed_at)

    def spans_of(self, participant_id: str) -> tuple[Span, ...]:
        return dict(self.spans).get(participant_id, ())

    def active_at(self, t: datetime) -> frozenset[str]:
        """The participants active in the program at instant `t`."""
        return frozenset(pid for pid, spans in self.spans if any(s.covers(t) for s in spans))

    def why_not_active(self, participant_id: str, t: datetime) -> str:
        """For a reply: why `participant_id` is not expected in a session at `t`."""
        spans = self.spans_of(participant_id)
        if not spans:
            return "never enrolled in this program"
        if all(t < s.enrolled_at for s in spans):
            return "enrolled in this program only after held_at"
        return "had withdrawn or completed before held_at"


def evolve_roster(state: Roster | None, envelope: dict[str, Any]) -> Roster:
    """Fold one event of the program aggregate (the contract envelope as a dict)."""
    kind, data = envelope["type"], envelope["data"]
    if kind in PROGRAM_EVENT_TYPES and envelope.get("schema_version", 1) != current_version(kind):
        raise ValueError(f"{kind} schema_version {envelope['schema_version']} is not understood")
    if kind == "ProgramLaunched":
        return Roster(
            program_id=envelope["aggregate_id"],
            activities=tuple(data["activities"]),
            starts_on=date.fromisoformat(data["starts_on"]),
            ends_on=date.fromisoformat(data["ends_on"]),
        )
    if state is None:
        raise ValueError(f"{kind} before ProgramLaunched")
    at = datetime.fromisoformat(envelope["occurred_at"])
    match kind:
        case "ParticipantEnrolled":
            return _enrol(state, data["participant_id"], at)
        case "ParticipantWithdrawn" | "ParticipantCompleted":
            return _end(state, data["participant_id"], at)
        case "ProgramClosed":
            return replace(state, closed_at=at)
    # A tolerant reader: events of the program this view does not need (say, a later
    # ProgramRenamed) change nobody's membership.
    return state


def _enrol(state: Roster, participant_id: str, at: datetime) -> Roster:
    spans = state.spans_of(participant_id)
    if spans and spans[-1].ended_at is None:  # already active: the programs service refuses it
        return state
    return _with(state, participant_id, (*spans, Span(at)))


def _end(state: Roster, participant_id: str, at: datetime) -> Roster:
    spans = state.spans_of(participant_id)
    if not spans or spans[-1].ended_at is not None:  # not active: nothing to end
        return state
    return _with(state, participant_id, (*spans[:-1], replace(spans[-1], ended_at=at)))


def _with(state: Roster, participant_id: str, spans: tuple[Span, ...]) -> Roster:
    others = tuple((pid, s) for pid, s in state.spans if pid != participant_id)
    return replace(state, spans=(*others, (participant_id, spans)))
