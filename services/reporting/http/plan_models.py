"""Response bodies of a program's phase plan and its roster (issue 13), as documented in the
OpenAPI document."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from shared.contract.fields import PhaseName


class PlanPhase(BaseModel):
    name: PhaseName
    days: int = Field(description="The phase's planned length in days.")


class RosterItem(BaseModel):
    """One participant's membership of the program (their latest enrolment)."""

    participant_id: str
    status: Literal["active", "completed", "withdrawn"] = Field(
        description="How the latest enrolment stands: active, or how it ended.")
    enrolled_on: date = Field(description="The latest enrolment's date.")
    left_on: date | None = Field(description="The completion's or withdrawal's date; null while "
                                 "active.")
    phase: PhaseName | None = Field(description="The phase of the plan the participant is in "
                                    "(or was in when they left); null without a plan.")
    phase_since: date | None = Field(description="Since when: the last advance's date, else the "
                                     "latest enrolment's; null without a plan.")


class Roster(BaseModel):
    items: list[RosterItem]


ROSTER_COLUMNS = tuple(RosterItem.model_fields)
