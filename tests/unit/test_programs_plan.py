"""Programs domain: a program's track and phase plan (ProgramLaunched v2, issue 13)."""

from __future__ import annotations

from typing import Any

import pytest

from services.programs.commands import LaunchProgram
from services.programs.domain import program
from shared.contract.events import ProgramLaunchedV2, current_version, decode, upcast
from tests.unit.programs_domain import (
    EXTENDED,
    TODAY,
    gennesa,
    invalid_fields,
    launch_data,
    launched,
    reject,
)

# The term 2025-03-03..2025-12-08 is 281 days, both counted.
TC = [{"name": "induction", "days": 30}, {"name": "primary", "days": 120},
      {"name": "re_entry", "days": 30}]


def test_launch_records_the_track_and_plan_in_order() -> None:
    command = LaunchProgram(**launch_data(track="medical", planned_days=180, phases=TC))
    [event] = program.decide(None, command, TODAY, agreement=gennesa(EXTENDED))
    assert event.schema_version == 2 == current_version("ProgramLaunched")
    assert (event.data["track"], event.data["planned_days"], event.data["phases"]) == (
        "medical", 180, TC)
    state = launched(track="medical", planned_days=180, phases=TC)
    assert (state.track, state.planned_days) == ("medical", 180)
    assert state.phases == ("induction", "primary", "re_entry")


def test_a_launch_without_them_is_a_v1_launch_with_nothing_recorded() -> None:
    state = launched()
    assert (state.track, state.planned_days, state.phases) == (None, None, ())


@pytest.mark.parametrize(("changes", "fields"), [
    ({"track": "detox"}, ["track"]),
    ({"planned_days": 0}, ["planned_days"]),
    ({"planned_days": 731}, ["planned_days"]),
    ({"planned_days": "180"}, ["planned_days"]),
    ({"phases": [{"name": "primary", "days": 30}, {"name": "primary", "days": 60}]},
     ["phases"]),
    ({"phases": [{"name": "detox", "days": 30}]}, ["phases.0.name"]),
    ({"phases": [{"name": "primary", "days": 0}]}, ["phases.0.days"]),
    ({"phases": [{"name": "primary"}]}, ["phases.0.days"]),
    ({"phases": [{"name": "primary", "days": 5, "lead": "x"}]}, ["phases.0.lead"]),
    ({"phases": {"name": "primary", "days": 5}}, ["phases"]),
])
def test_a_malformed_track_or_plan_is_invalid(changes: dict, fields: list[str]) -> None:
    assert invalid_fields("LaunchProgram", launch_data(**changes)) == fields


@pytest.mark.parametrize(("changes", "fragment", "field"), [
    ({"planned_days": 282}, "planned_days (282) must not exceed the term's 281 days",
     "planned_days"),
    ({"planned_days": 150, "phases": TC}, "add up to 180, more than planned_days (150)",
     "phases"),
    ({"phases": [{"name": "primary", "days": 200}, {"name": "aftercare", "days": 82}]},
     "add up to 282, more than the term's 281 days", "phases"),
])
def test_the_plan_must_fit(changes: dict, fragment: str, field: str) -> None:
    command = LaunchProgram(**launch_data(**changes))
    error = reject(fragment, None, command, agreement=gennesa(EXTENDED))
    assert error.details[0].field == field


@pytest.mark.parametrize("changes", [
    {"planned_days": 281, "phases": [{"name": "primary", "days": 281}]},  # exactly the term
    {"planned_days": 180, "phases": TC},                                  # exactly the plan
    {"planned_days": 90},                                                 # a plan of no phases
    {"phases": TC},                                                       # phases, no length
    {"track": "post_rehabilitation"},
])
def test_plans_that_fit_are_accepted(changes: dict[str, Any]) -> None:
    command = LaunchProgram(**launch_data(**changes))
    assert program.decide(None, command, TODAY, agreement=gennesa(EXTENDED))


def test_a_v1_launch_upcasts_to_nulls_and_no_phases_never_a_guess() -> None:
    v1 = {"agreement_id": "8a41d2c6-1e7f-4b95-a0d3-c62f9e58b714", "name": "Rehabilitasi",
          "cohort": "2025", "activities": ["medical"], "starts_on": "2025-03-03",
          "ends_on": "2025-08-31", "capacity": 20}
    stored = {"type": "ProgramLaunched", "schema_version": 1, "aggregate_id": "p",
              "occurred_at": "2025-03-03T00:00:00+07:00", "data": v1}
    up = upcast(stored)
    assert up["schema_version"] == 2 and stored["schema_version"] == 1  # input untouched
    assert up["data"] == {**v1, "track": None, "planned_days": None, "phases": []}
    assert isinstance(decode(up).event, ProgramLaunchedV2)
    assert ProgramLaunchedV2.model_validate(up["data"])  # what the audit checks
