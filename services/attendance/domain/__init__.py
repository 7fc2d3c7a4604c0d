"""The session aggregate and the program roster it is checked against. Pure."""

from services.attendance.domain.decide import Command, decide
from services.attendance.domain.makeup import evolve_makeups, fold_makeups
from services.attendance.domain.roster import Roster, Span, evolve_roster, fold_roster
from services.attendance.domain.session import Session, evolve

__all__ = [
    "Command", "Roster", "Session", "Span", "decide", "evolve", "evolve_makeups",
    "evolve_roster", "fold_makeups", "fold_roster",
]
