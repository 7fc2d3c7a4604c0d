"""What a participant's assessment needs to know of a program: who was ever enrolled in it.

Its own small fold of the program's events, so the participant aggregate does not depend on
the program aggregate's state (nor the program's module on the participant's).
"""

from __future__ import annotations

from shared.contract.events import ParticipantEnrolled, ProgramLaunched
from shared.contract.registry import Fact, Unknown

Enrolments = frozenset[str]


def evolve(state: Enrolments | None, fact: Fact) -> Enrolments:
    event = fact.event
    if isinstance(event, ProgramLaunched):
        return frozenset()
    if state is None:
        raise ValueError(f"{event.TYPE} before ProgramLaunched")
    if isinstance(event, ParticipantEnrolled):
        return state | {event.participant_id}
    if isinstance(event, Unknown):
        raise ValueError(f"unknown program event type {event.TYPE}")
    return state
