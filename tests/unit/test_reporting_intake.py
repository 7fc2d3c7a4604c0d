"""The `intake` read model's pure fold and the `/intake` figures' pure arithmetic (issue 13 §1);
the SQL and HTTP are run end to end in tests/e2e/test_intake_report_e2e.py."""

from datetime import date

import pytest

from services.reporting.projections import IntakeProjection
from services.reporting.projections import participants as participants_projection
from services.reporting.projections.intake import ENDED, evolve
from services.reporting.read.intake import intake_rows, prison_row, working_days
from tests.unit.test_reporting_evaluation_participants import REGISTERED, env, readmitted, released


def screened(version, on="2025-03-03", risk="high"):
    return env("ScreeningRecorded", version, {"screened_on": on, "instrument": "ASSIST",
                                              "score": 30, "risk": risk})


def referred(version, on="2025-03-04"):
    return env("ReferredForAssessment", version, {"referred_on": on, "team": [{"role": "bnn"}]})


def concluded(version, on="2025-03-10"):
    return env("AssessmentConcluded", version, {
        "concluded_on": on, "instrument": "ASI", "recommended_track": "medical",
        "recommended_setting": "outside", "note": None})


def waitlisted(version, on="2025-03-11"):
    return env("ParticipantWaitlisted", version, {"waitlisted_on": on, "track": "medical"})


def placed(version, on="2025-03-17"):
    return env("PlacementDecided", version, {
        "decided_on": on, "decree_number": "SK-1", "track": "medical", "setting": "outside",
        "program_id": None})


def fold(*envelopes):
    doc = None
    for envelope in envelopes:
        doc = evolve(doc, envelope)
    return doc


# --- the fold -----------------------------------------------------------------------------

def test_a_stay_through_the_pipeline() -> None:
    doc = fold(REGISTERED, screened(2), referred(3), concluded(4), waitlisted(5), placed(6))
    assert {k: doc[k] for k in ("stay", "admitted_on", "screened_on", "risk", "referred_on",
                                "concluded_on", "recommended_track", "recommended_setting",
                                "outcome", "waitlisted_on", "decided_on", "track", "setting",
                                "version")} == {
        "stay": 1, "admitted_on": date(2024, 3, 1), "screened_on": date(2025, 3, 3),
        "risk": "high", "referred_on": date(2025, 3, 4), "concluded_on": date(2025, 3, 10),
        "recommended_track": "medical", "recommended_setting": "outside", "outcome": "placed",
        "waitlisted_on": date(2025, 3, 11), "decided_on": date(2025, 3, 17),
        "track": "medical", "setting": "outside", "version": 6}
    assert fold(REGISTERED, screened(2)) == fold(REGISTERED, screened(2), screened(2))


def test_a_readmission_ends_the_stay_and_starts_the_next() -> None:
    # The release (version 3) is not the intake's: `key` passes it over.
    doc = fold(REGISTERED, screened(2, risk="low"), readmitted(4, "2025-03-25"),
               screened(5, "2025-03-26", "moderate"))
    (first,) = doc[ENDED]
    assert (first["stay"], first["screened_on"], first["risk"]) == (1, date(2025, 3, 3), "low")
    assert (doc["stay"], doc["admitted_on"], doc["screened_on"], doc["risk"]) == (
        2, date(2025, 3, 25), date(2025, 3, 26), "moderate")


@pytest.mark.parametrize(("envelopes", "fragment"), [
    ((screened(1),), "for unknown participant"),
    ((REGISTERED, released(2)), "not an event of the intake read model"),
    ((REGISTERED, REGISTERED | {"aggregate_version": 2}), "already registered"),
    ((REGISTERED, referred(2)), "does not follow"),
    ((REGISTERED, screened(2), screened(3)), "does not follow"),
    ((REGISTERED, screened(2), concluded(3)), "does not follow"),
    ((REGISTERED, screened(2), referred(3), placed(4)), "does not follow"),
    ((REGISTERED, screened(2), referred(3), concluded(4), placed(5), waitlisted(6)),
     "does not follow"),
    ((REGISTERED, screened(2, risk="severe")), "unknown risk"),
    ((REGISTERED, screened(2) | {"schema_version": 9}), "schema_version 9"),
])
def test_what_the_fold_parks(envelopes, fragment) -> None:
    with pytest.raises(ValueError, match=fragment):
        fold(*envelopes)


def test_the_projection_reads_only_its_events() -> None:
    projection = IntakeProjection()
    assert projection.key(screened(2)) == ("lapas-banyuwangi", REGISTERED["aggregate_id"])
    assert projection.key(released(2)) is None
    assert projection.key(env("ProgramClosed", 2, {}, "program")) is None


def test_the_participants_projection_passes_over_intake_events() -> None:
    before = participants_projection.evolve(None, REGISTERED)
    after = participants_projection.evolve(before, screened(2))
    assert after == {**before, "version": 2}


# --- the figures --------------------------------------------------------------------------

@pytest.mark.parametrize(("start", "end", "days"), [
    ("2025-03-03", "2025-03-03", 0),  # Monday, the same day
    ("2025-03-03", "2025-03-17", 10),
    ("2025-03-03", "2025-03-21", 14),
    ("2025-03-03", "2025-03-24", 15),
    ("2025-03-07", "2025-03-10", 1),  # Friday to Monday
    ("2025-03-08", "2025-03-09", 0),  # Saturday to Sunday
    ("2025-03-05", "2025-04-02", 20),
    ("2025-03-10", "2025-03-01", 0),
])
def test_working_days(start: str, end: str, days: int) -> None:
    assert working_days(date.fromisoformat(start), date.fromisoformat(end)) == days


def stay(prison="lapas-a", risk="high", screened_on="2025-03-03", outcome=None, **over):
    return {"prison_id": prison, "risk": risk, "screened_on": date.fromisoformat(screened_on),
            "referred_on": None, "concluded_on": None, "outcome": outcome, "decided_on": None,
            "track": None, "setting": None, **over}


def test_a_prison_without_decisions_has_null_timeliness() -> None:
    row = prison_row("lapas-a", [stay(risk="low"), stay(outcome="waitlisted")])
    assert (row["screened"], row["screened_low"], row["screened_high"], row["waitlisted"],
            row["decided"]) == (2, 1, 1, 1, 0)
    assert (row["days_to_decision_median"], row["days_to_decision_max"],
            row["timeliness_rate"]) == (None, None, None)


def test_decisions_median_max_and_the_14_working_day_rule() -> None:
    decided = [stay(outcome="placed", decided_on=date.fromisoformat(on), track=track,
                    setting="inside") for on, track in
               (("2025-03-17", "medical"), ("2025-03-24", "post_rehabilitation"),
                ("2025-03-21", "social"))]
    [row] = intake_rows(decided)
    assert (row["placed"], row["placed_medical"], row["placed_social"], row["placed_inside"],
            row["decided"]) == (3, 1, 1, 3, 3)
    assert (row["days_to_decision_median"], row["days_to_decision_max"]) == (18, 21)
    assert (row["decided_within_14_working_days"], row["timeliness_rate"]) == (2, 2 / 3)
    assert [r["prison_id"] for r in intake_rows([stay(), stay("lapas-b")])] == ["lapas-a",
                                                                                 "lapas-b"]
