"""The session aggregate and the program roster it is checked against. Pure."""

from services.attendance.domain.decide import Command, decide
from services.attendance.domain.roster import Roster, Span, evolve_roster, fold_roster
from services.attendance.domain.session import Session, evolve

__all__ = [
    "Command", "Roster", "Session", "Span", "decide", "evolve", "evolve_roster", "fold_roster",
]
