"""The session aggregate and the program roster it is checked against. Pure."""

from services.attendance.domain.decide import Command, decide
from services.attendance.domain.roster import (
    PROGRAM_EVENT_TYPES,
    Roster,
    Span,
    evolve_roster,
    fold_roster,
)
from services.attendance.domain.session import SESSION_EVENT_TYPES, Session, evolve

__all__ = [
    "PROGRAM_EVENT_TYPES", "SESSION_EVENT_TYPES", "Command", "Roster", "Session", "Span",
    "decide", "evolve", "evolve_roster", "fold_roster",
]
