"""Programs domain: occurred_at: a more precise form of the event's date."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel

from services.programs.commands import (
    EnrollParticipant,
    LaunchProgram,
)
from services.programs.domain import program
from tests.unit.programs_domain import (
    ALIF,
    EXTENDED,
    PROGRAM,
    TODAY,
    close,
    complete,
    enroll,
    gennesa,
    inmate,
    launch_data,
    launched,
    reject,
    step,
    withdraw,
)

# --- occurred_at: a more precise form of the event's date ---------------------------------

def test_occurred_at_must_fall_on_the_event_date_in_wib() -> None:
    # 20:00 UTC on 2 March is 03:00 WIB on 3 March: the enrolment's date.
    command = EnrollParticipant(program_id=PROGRAM, participant_id=ALIF, enrolled_on="2025-03-03",
                                occurred_at="2025-03-02T20:00:00Z")
    [event] = program.decide(launched(), command, TODAY, participant=inmate())
    assert event.occurred_at == "2025-03-02T20:00:00+00:00"
    late = timed(command, datetime(2025, 3, 3, 17, 0, tzinfo=UTC))
    error = reject("occurred_at must fall on enrolled_on (2025-03-03) in WIB (UTC+7)",
                   launched(), late, participant=inmate())
    assert error.details[0].field == "occurred_at"
    launch = LaunchProgram(**launch_data(occurred_at="2025-03-04T09:00:00+07:00"))
    reject("occurred_at must fall on starts_on (2025-03-03)", None, launch,
           agreement=gennesa(EXTENDED))


def at(hour: int, day: str = "2025-03-03") -> str:
    return f"{day}T{hour:02d}:00:00+07:00"


def timed(command: BaseModel, occurred_at: Any) -> Any:
    """The same command with an occurred_at, validated as the edge would."""
    return type(command).model_validate(command.model_dump() | {"occurred_at": occurred_at})


def test_same_day_events_keep_their_order_by_occurred_at() -> None:
    morning = EnrollParticipant(program_id=PROGRAM, participant_id=ALIF,
                                enrolled_on="2025-03-03", occurred_at=at(10))
    state = step(program.decide, program.evolve, launched(), morning, participant=inmate())
    reject("occurred_at (2025-03-03T00:00:00+07:00) must not be before the enrolment's "
           "occurred_at (2025-03-03T10:00:00+07:00)", state, complete(on="2025-03-03"))
    done = timed(complete(on="2025-03-03"), at(17))
    done = step(program.decide, program.evolve, state, done)
    reject("must not be before the last completion's or withdrawal's occurred_at", done,
           close("2025-03-03"))
    assert program.decide(done, timed(close("2025-03-03"), at(18)), TODAY)


def test_re_enrolment_on_the_day_of_withdrawal_follows_it() -> None:
    out = timed(withdraw(on="2025-04-01"), at(12, "2025-04-01"))
    out = step(program.decide, program.evolve, enroll(launched()), out)
    again = EnrollParticipant(program_id=PROGRAM, participant_id=ALIF, enrolled_on="2025-04-01")
    reject("must not be before the withdrawal's occurred_at", out, again, participant=inmate())
    later = timed(again, at(13, "2025-04-01"))
    assert step(program.decide, program.evolve, out, later, participant=inmate()).is_active(ALIF)
