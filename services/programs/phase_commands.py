"""The `data` of `AdvancePhase` (program aggregate, docs/pathway.md section 2): field validation
at the edge (`invalid`). Whether the phase and the date fit the participant's membership and the
program's plan are business rules, in `domain/phases.py` (`rule`). A program's plan itself is
taken by `LaunchProgram` (`plan.py`).
"""

from __future__ import annotations

from services.programs.commands import ProgramCommand
from shared.contract.fields import PhaseName
from shared.fields import Day, Uuid


class AdvancePhase(ProgramCommand):
    """Move an active participant on to a later phase of the program's plan; writes
    `PhaseAdvanced`. A participant starts in the plan's first phase at each enrolment.

    Rules: the program exists (`not_found`), is not closed and has a phase plan; the
    participant is active in it; `phase` is in the plan and later than the participant's
    current phase (phases may be skipped, never gone back to); `advanced_on` is within the
    program's term, not before the enrolment nor the last advance, and not in the future.
    """

    participant_id: Uuid
    phase: PhaseName
    advanced_on: Day
