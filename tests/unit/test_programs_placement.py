"""Programs domain, the intake pipeline (issue 13 §1): the program a placement names, and the
commands' field validation at the edge."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel

from services.programs.domain import intake, participant
from services.programs.domain.intake import ProgramTrack
from services.programs.domain.participant import Participant
from services.programs.handlers import COMMANDS
from services.programs.intake_commands import RecordIneligibility
from shared.contract.events import decode, upcast
from tests.unit.refusals import invalid_fields
from tests.unit.test_programs_intake import (
    conclude,
    ineligible,
    place,
    refer,
    refuse,
    screen,
    through,
    waitlist,
)
from tests.unit.test_programs_participant import ALIF, PROGRAM, TODAY, env, reject

# --- the program a placement names --------------------------------------------------------

def launched(**v2: Any) -> ProgramTrack:
    """The program as the store delivers it: a v1 launch upcast (no track), or a v2 one."""
    data = {"agreement_id": "8a41d2c6-1e7f-4b95-a0d3-c62f9e58b714", "name": "Rehabilitasi",
            "cohort": "2025", "activities": ["counseling"], "starts_on": "2025-01-02",
            "ends_on": "2025-12-08", "capacity": 20}
    if v2:
        data |= {"planned_days": None, "phases": [], **v2}
    stored = {"type": "ProgramLaunched", "schema_version": 2 if v2 else 1,
              "aggregate_id": PROGRAM, "occurred_at": "2025-01-02T00:00:00+07:00", "data": data}
    return intake.program_evolve(None, decode(upcast(stored)))


def concluded() -> Participant:
    return through(screen(), refer(), conclude())


def test_a_placement_in_a_program_of_its_track_or_of_none() -> None:
    assert launched() == ProgramTrack(None)
    for program in (launched(), launched(track="social")):
        [event] = participant.decide(concluded(), place(program_id=PROGRAM), TODAY,
                                     placement_program=program)
        assert event.data["program_id"] == PROGRAM


@pytest.mark.parametrize(("program", "fragment"), [
    (None, "program not found in this prison"),
    (launched(track="medical"), "program is of track medical, not social"),
    (intake.program_evolve(launched(), env("ProgramClosed", PROGRAM,
                                           {"closed_on": "2025-01-10"})), "program is closed"),
])
def test_a_placement_in_a_wrong_program_is_refused(program: ProgramTrack | None,
                                                   fragment: str) -> None:
    error = reject(fragment, concluded(), place(program_id=PROGRAM), placement_program=program)
    assert error.details[0].field == "program_id"


def test_the_program_fold_ignores_memberships_and_refuses_what_it_does_not_know() -> None:
    enrolled = env("ParticipantEnrolled", PROGRAM, {"participant_id": ALIF,
                                                    "enrolled_on": "2025-03-03"})
    assert intake.program_evolve(launched(), enrolled) == launched()
    with pytest.raises(ValueError, match="before ProgramLaunched"):
        intake.program_evolve(None, enrolled)
    unknown = env("ProgramRenamed", PROGRAM, {"name": "x"})
    with pytest.raises(ValueError, match="unknown program event type ProgramRenamed"):
        intake.program_evolve(launched(), unknown)


# --- command validation -------------------------------------------------------------------

@pytest.mark.parametrize(("command", "changes", "field"), [
    (screen(), {"score": 40}, "score"),
    (screen(), {"instrument": "ASI"}, "instrument"),
    (screen(), {"risk": "severe"}, "risk"),
    (screen(), {"score": "30"}, "score"),
    (refer(), {"team": []}, "team"),
    (refer(), {"team": [{"role": "doctor", "name": "dr. Rina"}]}, "team.0.name"),
    (refer(), {"team": [{"role": "imam"}]}, "team.0.role"),
    (conclude(), {"recommended_track": "spiritual"}, "recommended_track"),
    (conclude(), {"recommended_setting": "home"}, "recommended_setting"),
    (place(), {"decree_number": "x" * 101}, "decree_number"),
    (place(), {"decree_number": "  "}, "decree_number"),
    (place(), {"program_id": "program-1"}, "program_id"),
    (waitlist(), {"track": None}, "track"),
    (refuse(), {"reason": ""}, "reason"),
    (ineligible(), {"reason": "too_old"}, "reason"),
    (ineligible(), {"nik": "3510012345670001"}, "nik"),
])
def test_field_errors_name_the_field(command: BaseModel, changes: dict, field: str) -> None:
    data = command.model_dump(mode="json") | changes
    assert field in invalid_fields(COMMANDS, type(command).__name__, data)


def test_other_screening_instruments_and_optional_fields() -> None:
    assert screen(instrument="other", score=-3).score == -3.0
    assert place().program_id is None and conclude().note is None
    data = ineligible().model_dump(mode="json")
    del data["note"]
    assert RecordIneligibility(**data).note is None
