"""The attendance service's commands, as the kernel's executor runs them: one row each.

The program aggregate is another service's, so the executor reads it FRESH from the log on
every attempt (never from a cache, and again after a concurrency retry). That is the
read-your-writes guarantee: a HoldSession sent right after the reply to an EnrollParticipant or
WithdrawParticipant reads a log that already holds the acknowledged event.
"""

from __future__ import annotations

from typing import Any

from services.attendance import domain
from services.attendance.commands import (
    CancelSession,
    CorrectAttendance,
    HoldSession,
    ScheduleSession,
)
from shared.executor import Command, Reads, Table

# The roster folds a run of program events at once (a program of thousands).
PROGRAM = Reads("program", "program", "program_id", domain.evolve_roster, domain.fold_roster)


def _row(model: type, **options: Any) -> Command:
    return Command(model, "session", "session_id", domain.evolve, domain.decide, **options)


TABLE: Table = {
    "ScheduleSession": _row(ScheduleSession, creates=True, reads=(PROGRAM,)),
    "HoldSession": _row(HoldSession, creates=True, reads=(PROGRAM,)),
    "CorrectAttendance": _row(CorrectAttendance),
    "CancelSession": _row(CancelSession),
}
COMMANDS = {name: row.model for name, row in TABLE.items() if row.public}
