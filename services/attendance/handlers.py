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
    RecordSessionNotHeld,
    ScheduleSession,
)
from shared.executor import Command, Reads, Table

# The roster folds a run of program events at once (a program of thousands).
PROGRAM = Reads("program", "program", "program_id", domain.evolve_roster, domain.fold_roster)
# A make-up reads the session it replaces (this prison's, fresh) and which sessions of this
# prison a held session already made up: every SessionHeld of the prison, read only when
# `makeup_for` is given. The log answers "already made up" no other way (the make-up's one
# event is on its own session), so the check is not atomic: two make-ups of one session sent
# at the same instant both succeed, as two creates of one id in two prisons do.
REPLACED = Reads("replaced", "session", "makeup_for", domain.evolve)
MADE_UP = Reads("made_up", "session", "makeup_for", domain.evolve_makeups, domain.fold_makeups,
                scan="SessionHeld")


def _row(model: type, **options: Any) -> Command:
    return Command(model, "session", "session_id", domain.evolve, domain.decide, **options)


TABLE: Table = {
    "ScheduleSession": _row(ScheduleSession, creates=True, reads=(PROGRAM,)),
    "HoldSession": _row(HoldSession, creates=True, reads=(PROGRAM, REPLACED, MADE_UP)),
    "CorrectAttendance": _row(CorrectAttendance),
    "CancelSession": _row(CancelSession),
    "RecordSessionNotHeld": _row(RecordSessionNotHeld, creates=True, reads=(PROGRAM,)),
}
COMMANDS = {name: row.model for name, row in TABLE.items() if row.public}
