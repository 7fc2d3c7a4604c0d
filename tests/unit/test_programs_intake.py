"""Programs domain, the intake pipeline of a participant's stay (issue 13 §1): every transition
and every refusal, on the pure `decide`/`evolve` of the participant aggregate.

Alif is admitted on 2024-06-10; today is 2025-12-08. Steps are dated in 2025.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from pydantic import BaseModel

from services.programs.domain import intake, participant
from services.programs.domain.participant import Participant
from services.programs.intake_commands import (
    ConcludeAssessment,
    DecidePlacement,
    RecordIneligibility,
    RecordRefusal,
    RecordScreening,
    ReferForAssessment,
    WaitlistParticipant,
)
from tests.unit.test_programs_participant import (
    ALIF,
    TODAY,
    inmate,
    readmit,
    reject,
    release,
    step,
)


def screen(risk: str = "high", on: str = "2025-01-06", **over: Any) -> RecordScreening:
    data = {"participant_id": ALIF, "screened_on": on, "instrument": "ASSIST",
            "score": {"low": 2, "moderate": 15, "high": 30}[risk], "risk": risk}
    return RecordScreening(**{**data, **over})


def refer(on: str = "2025-01-08") -> ReferForAssessment:
    return ReferForAssessment(participant_id=ALIF, referred_on=on,
                              team=[{"role": "doctor"}, {"role": "bnn"}])


def conclude(on: str = "2025-01-13") -> ConcludeAssessment:
    return ConcludeAssessment(participant_id=ALIF, concluded_on=on, instrument="ASI",
                              recommended_track="social", recommended_setting="inside")


def place(on: str = "2025-01-20", program_id: str | None = None,
          track: str = "social") -> DecidePlacement:
    return DecidePlacement(participant_id=ALIF, decided_on=on, decree_number="W15.PAS.12/2025",
                           track=track, setting="inside", program_id=program_id)


def waitlist(on: str = "2025-01-15") -> WaitlistParticipant:
    return WaitlistParticipant(participant_id=ALIF, waitlisted_on=on, track="social")


def refuse(on: str = "2025-01-21") -> RecordRefusal:
    return RecordRefusal(participant_id=ALIF, refused_on=on, reason="tidak bersedia")


def ineligible(on: str = "2025-01-21") -> RecordIneligibility:
    return RecordIneligibility(participant_id=ALIF, decided_on=on, reason="health")


def through(*commands: BaseModel, state: Participant | None = None) -> Participant:
    state = state or inmate()
    for command in commands:
        state = step(state, command)
    return state


def stage(state: Participant) -> str:
    found = intake.current(state)
    assert found is not None
    return found.stage


# --- transitions --------------------------------------------------------------------------

def test_the_full_path_writes_each_event_with_its_data() -> None:
    state = inmate()
    expected = [
        (screen(), "ScreeningRecorded", "screened", {
            "screened_on": "2025-01-06", "instrument": "ASSIST", "score": 30.0,
            "risk": "high"}),
        (refer(), "ReferredForAssessment", "referred", {
            "referred_on": "2025-01-08", "team": [{"role": "doctor"}, {"role": "bnn"}]}),
        (conclude(), "AssessmentConcluded", "concluded", {
            "concluded_on": "2025-01-13", "instrument": "ASI", "recommended_track": "social",
            "recommended_setting": "inside", "note": None}),
        (waitlist(), "ParticipantWaitlisted", "waitlisted", {
            "waitlisted_on": "2025-01-15", "track": "social"}),
        (place(), "PlacementDecided", "placed", {
            "decided_on": "2025-01-20", "decree_number": "W15.PAS.12/2025", "track": "social",
            "setting": "inside", "program_id": None}),
    ]
    for command, kind, after, data in expected:
        [event] = participant.decide(state, command, TODAY)
        assert (event.type, event.data, event.schema_version) == (kind, data, 1)
        assert event.occurred_at == f"{data[next(iter(data))]}T00:00:00+07:00"
        state = step(state, command)
        assert stage(state) == after
    assert intake.current(state) == intake.Intake(1, "placed", "high", date(2025, 1, 20))


@pytest.mark.parametrize(("steps", "last", "after"), [
    ((screen("moderate"), refer(), conclude()), place(), "placed"),
    ((screen(), refer(), conclude()), refuse(), "refused"),
    ((screen(), refer(), conclude(), waitlist()), refuse(), "refused"),
    ((screen(), refer(), conclude()), ineligible(), "ineligible"),
    ((screen(), refer(), conclude(), waitlist()), ineligible(), "ineligible"),
    ((screen(),), ineligible(), "ineligible"),
    ((screen("low"),), ineligible(), "ineligible"),
])
def test_other_allowed_transitions(steps: tuple, last: BaseModel, after: str) -> None:
    assert stage(through(*steps, last)) == after


def test_same_day_steps_are_allowed() -> None:
    day = "2025-01-06"
    state = through(screen(on=day), refer(day), conclude(day), waitlist(day), place(day))
    assert stage(state) == "placed"


# --- refusals: order ----------------------------------------------------------------------

DONE = {"placed": (screen(), refer(), conclude(), place()),
        "refused": (screen(), refer(), conclude(), refuse()),
        "ineligible": (screen(), ineligible("2025-01-07"))}


@pytest.mark.parametrize(("steps", "command", "fragment", "field"), [
    ((), refer(), "needs a screening in the current stay", "referred_on"),
    ((), conclude(), "needs a screening in the current stay", "concluded_on"),
    ((), place(), "needs a screening in the current stay", "decided_on"),
    ((), waitlist(), "needs a screening in the current stay", "waitlisted_on"),
    ((), refuse(), "needs a screening in the current stay", "refused_on"),
    ((), ineligible(), "needs a screening in the current stay", "decided_on"),
    ((screen(),), screen(on="2025-01-07"), "already screened in this stay", "participant_id"),
    ((screen("low"),), refer(), "screening was low risk", "referred_on"),
    ((screen(), refer()), refer("2025-01-09"), "follows an intake that is screened",
     "referred_on"),
    ((screen(),), conclude(), "follows an intake that is referred: this stay's is screened",
     "concluded_on"),
    ((screen(), refer(), conclude()), conclude(), "this stay's is concluded", "concluded_on"),
    ((screen(), refer()), place(), "concluded or waitlisted: this stay's is referred",
     "decided_on"),
    ((screen(),), waitlist(), "follows an intake that is concluded", "waitlisted_on"),
    ((screen(), refer(), conclude(), waitlist()), waitlist("2025-01-16"),
     "this stay's is waitlisted", "waitlisted_on"),
    ((screen(),), refuse(), "this stay's is screened", "refused_on"),
    ((screen(), refer()), ineligible(), "this stay's is referred", "decided_on"),
    *[(done, command, f"this stay's is {name}", field)
      for name, done in DONE.items()
      for command, field in ((place("2025-01-22"), "decided_on"),
                             (waitlist("2025-01-22"), "waitlisted_on"),
                             (refuse("2025-01-22"), "refused_on"),
                             (ineligible("2025-01-22"), "decided_on"))],
    *[(done, screen(on="2025-01-22"), "already screened in this stay", "participant_id")
      for done in DONE.values()],
])
def test_steps_out_of_order_are_refused(steps: tuple, command: BaseModel, fragment: str,
                                        field: str) -> None:
    error = reject(fragment, through(*steps), command)
    assert [d.field for d in error.details] == [field]


# --- refusals: dates and custody ----------------------------------------------------------

@pytest.mark.parametrize(("steps", "command", "fragment", "field"), [
    ((), screen(on="2024-06-09"), "must not be before the current admission (2024-06-10)",
     "screened_on"),
    ((), screen(on="2025-12-09"), "screened_on must not be in the future", "screened_on"),
    ((screen(),), refer("2025-01-05"), "must not be before the screened step (2025-01-06)",
     "referred_on"),
    ((screen(), refer()), conclude("2025-01-07"), "before the referred step", "concluded_on"),
    ((screen(), refer(), conclude()), place("2025-01-12"), "before the concluded step",
     "decided_on"),
    ((screen(), refer(), conclude(), waitlist()), place("2025-01-14"),
     "before the waitlisted step (2025-01-15)", "decided_on"),
    ((screen(), refer(), conclude()), waitlist("2025-12-09"), "must not be in the future",
     "waitlisted_on"),
    ((screen(), refer(), conclude()), refuse("2025-01-01"), "before the concluded step",
     "refused_on"),
    ((screen(),), ineligible("2025-12-09"), "must not be in the future", "decided_on"),
])
def test_dates_follow_the_previous_step_and_are_not_in_the_future(
        steps: tuple, command: BaseModel, fragment: str, field: str) -> None:
    error = reject(fragment, through(*steps), command)
    assert [d.field for d in error.details] == [field]


@pytest.mark.parametrize("command", [screen(on="2025-03-01"), refer("2025-03-01"),
                                     ineligible("2025-03-01")])
def test_a_released_participant_is_not_in_the_pipeline(command: BaseModel) -> None:
    out = through(screen(), release("2025-02-01"))
    error = reject("participant is not in custody: released on 2025-02-01", out, command)
    assert error.details[0].field == {RecordScreening: "screened_on",
                                      ReferForAssessment: "referred_on"}.get(type(command),
                                                                             "decided_on")


@pytest.mark.parametrize("command", [screen(), refer(), conclude(), place(), waitlist(),
                                     refuse(), ineligible()])
def test_nothing_on_an_unknown_participant(command: BaseModel) -> None:
    reject(f"participant {ALIF} not found", None, command, code="not_found")


def test_a_readmission_starts_a_new_intake() -> None:
    state = through(screen(), refer(), conclude(), place(),
                    release("2025-03-01"), readmit("2025-06-02"))
    assert intake.current(state) is None and state.intake.stay == 1
    reject("needs a screening in the current stay", state, refer("2025-06-03"))
    reject("must not be before the current admission (2025-06-02)", state,
           screen(on="2025-06-01"))
    again = through(screen("moderate", "2025-06-02"), refer("2025-06-03"), state=state)
    assert intake.current(again) == intake.Intake(2, "referred", "moderate", date(2025, 6, 3))
