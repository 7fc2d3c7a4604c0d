"""A program's track and phase plan as `LaunchProgram` takes them: field validation at the
edge (a failure is `invalid`); whether the plan fits the term is a rule (domain/launch.py)."""

from __future__ import annotations

from typing import Annotated, get_args

from pydantic import AfterValidator, Field

from shared.contract.fields import PhaseName
from shared.fields import Model

# A program's planned length, and a phase's: whole days, at most two years.
PlanDays = Annotated[int, Field(ge=1, le=730, strict=True)]


class PlannedPhase(Model):
    """One phase of a program's plan: its name and planned length in days."""

    name: PhaseName
    days: PlanDays


def _distinct_phases(value: list[PlannedPhase]) -> list[PlannedPhase]:
    if len({phase.name for phase in value}) != len(value):
        raise ValueError("must not repeat a phase name")
    return value


# In the order participants go through them; each name once.
Phases = Annotated[list[PlannedPhase], Field(max_length=len(get_args(PhaseName))),
                   AfterValidator(_distinct_phases)]
