"""Programs domain: ProgramLaunched."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from services.programs.commands import (
    LaunchProgram,
)
from services.programs.domain import program
from tests.unit.programs_domain import (
    EXTENDED,
    GENNESA,
    TODAY,
    gennesa,
    launch_data,
    launched,
    reject,
)

# --- ProgramLaunched ----------------------------------------------------------------------

def test_launch_writes_program_launched() -> None:
    [event] = program.decide(None, LaunchProgram(**launch_data()), TODAY,
                             agreement=gennesa(EXTENDED))
    assert event.type == "ProgramLaunched"
    assert event.occurred_at == "2025-03-03T00:00:00+07:00"
    expected = {k: v for k, v in launch_data().items() if k != "program_id"}
    assert event.data == expected | {"activities": ["counseling", "spiritual_guidance"],
                                     "track": None, "planned_days": None, "phases": []}
    assert event.schema_version == 2
    state = launched()
    assert (state.agreement_id, state.capacity, state.active) == (GENNESA, 20, 0)
    assert state.closed_on is None


def test_launch_keeps_a_given_occurred_at_and_may_start_in_the_future() -> None:
    command = LaunchProgram(**launch_data(occurred_at="2025-03-03T09:30:00+07:00"))
    [event] = program.decide(None, command, date(2025, 2, 20), agreement=gennesa(EXTENDED))
    assert event.occurred_at == "2025-03-03T09:30:00+07:00"


def test_launch_uses_services_as_amended() -> None:
    amended = gennesa(EXTENDED, ("AgreementAmended", {"changes": {"services": ["medical"]}}))
    command = LaunchProgram(**launch_data(activities=["medical"]))
    assert program.decide(None, command, TODAY, agreement=amended)
    reject("counseling, spiritual_guidance not covered", None, LaunchProgram(**launch_data()),
           agreement=amended)


@pytest.mark.parametrize(
    ("changes", "agreement", "fragment", "field"),
    [
        ({"ends_on": "2025-03-03"}, gennesa(EXTENDED), "ends_on must be after starts_on",
         "ends_on"),
        ({"ends_on": "2025-01-01"}, gennesa(EXTENDED), "ends_on must be after starts_on",
         "ends_on"),
        ({}, None, "agreement not found in this prison", "agreement_id"),
        ({}, gennesa(("AgreementTerminated", {"terminated_on": "2025-10-01", "reason": "x"})),
         "agreement is terminated", "agreement_id"),
        ({"starts_on": "2025-04-07"}, gennesa(),
         "not in force on starts_on: it runs from 2023-01-05 to 2025-03-31",
         "starts_on"),
        ({"starts_on": "2025-04-01"}, gennesa(), "not in force on starts_on", "starts_on"),
        ({"starts_on": "2023-01-04"}, gennesa(), "not in force on starts_on", "starts_on"),
        ({"starts_on": "2025-04-07"}, gennesa(("AgreementExpired", {"expired_on": "2025-04-01"})),
         "not in force on starts_on", "starts_on"),
        ({"activities": ["medical", "counseling"]}, gennesa(EXTENDED),
         "medical not covered (the agreement covers counseling, skills_training", "activities"),
    ],
)
def test_launch_rules(changes: dict, agreement: Any, fragment: str, field: str) -> None:
    command = LaunchProgram(**launch_data(**changes))
    error = reject(fragment, None, command, agreement=agreement)
    assert error.details[0].field == field


def test_launch_is_once_and_before_expiry_a_late_record_is_fine() -> None:
    reject("already launched", launched(), LaunchProgram(**launch_data()),
           agreement=gennesa(EXTENDED))
    # Recorded after the old term ran out, but the program started within it.
    expired = gennesa(("AgreementExpired", {"expired_on": "2025-04-01"}))
    early = LaunchProgram(**launch_data(starts_on="2025-01-06", ends_on="2025-03-31"))
    assert program.decide(None, early, TODAY, agreement=expired)
