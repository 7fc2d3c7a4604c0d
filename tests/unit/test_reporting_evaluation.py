"""The pure parts of the evaluation: calendar months, windows, figures, the participants fold."""

from collections import Counter
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.reporting.read.figures import BEGINNING, Figures, Window, add_months
from services.reporting.read.urine import UrineFigures
from shared.errors import Rejected


@pytest.mark.parametrize("day, months, expected", [
    (date(2025, 1, 15), 1, date(2025, 2, 15)),
    (date(2025, 1, 31), 1, date(2025, 2, 28)),  # clamped to the month's last day
    (date(2024, 1, 31), 1, date(2024, 2, 29)),  # leap year
    (date(2025, 8, 31), 6, date(2026, 2, 28)),
    (date(2025, 3, 31), 6, date(2025, 9, 30)),
    (date(2024, 2, 29), 12, date(2025, 2, 28)),
    (date(2024, 2, 29), 48, date(2028, 2, 29)),
    (date(2025, 11, 30), 3, date(2026, 2, 28)),
    (date(2025, 12, 15), 1, date(2026, 1, 15)),  # across the year
    (date(2024, 10, 31), 24, date(2026, 10, 31)),
    (date(2025, 3, 31), -1, date(2025, 2, 28)),
    (date(2025, 6, 30), 0, date(2025, 6, 30)),
])
def test_add_months_clamps_the_day_to_the_end_of_the_month(day, months, expected):
    assert add_months(day, months) == expected


days = st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31))


@given(days, days, st.integers(0, 48))
def test_add_months_is_monotone_and_lands_in_the_right_month(a, b, months):
    a, b = min(a, b), max(a, b)
    assert add_months(a, months) <= add_months(b, months)
    moved = add_months(a, months)
    assert (moved.year * 12 + moved.month) - (a.year * 12 + a.month) == months
    assert moved.day == a.day or (moved.day < a.day and (moved + timedelta(days=1)).day == 1)


def test_window_defaults_and_bounds():
    today = date(2026, 4, 1)
    assert Window.of(None, None, today) == Window(BEGINNING, today)
    assert Window.of(date(2025, 1, 1), date(2025, 1, 1), today) == Window(
        date(2025, 1, 1), date(2025, 1, 1))
    assert Window.of(date(2025, 1, 1), None, today).end == today
    window = Window(date(2025, 3, 1), date(2025, 8, 31))
    assert date(2025, 3, 1) in window and date(2025, 8, 31) in window
    assert date(2025, 2, 28) not in window and date(2025, 9, 1) not in window


@pytest.mark.parametrize("from_, to", [
    (date(2025, 3, 2), date(2025, 3, 1)),
    (date(2026, 4, 2), None),  # after the default `to`, today
])
def test_a_window_that_ends_before_it_starts_is_invalid(from_, to):
    with pytest.raises(Rejected) as raised:
        Window.of(from_, to, date(2026, 4, 1))
    assert raised.value.code == "invalid"
    assert [d.field for d in raised.value.details] == ["from"]


@pytest.mark.parametrize("to, released, readmitted", [
    (date(2026, 2, 27), 0, 0),  # 31 Aug + 6 months is 28 Feb: not yet 6 months
    (date(2026, 2, 28), 1, 0),
    (date(2026, 3, 1), 1, 0),
])
def test_released_n_months_before_to_uses_calendar_months(to, released, readmitted):
    figures = Figures()
    figures.count_release(date(2025, 8, 31), None, to)
    assert (figures.released, figures.released_after[6], figures.readmitted_within[6]) == (
        1, released, readmitted)


@pytest.mark.parametrize("readmitted_on, within", [
    (date(2025, 8, 31), {6: 1, 12: 1, 24: 1}),  # the day of the release
    (date(2026, 2, 28), {6: 1, 12: 1, 24: 1}),  # the last day of the 6 months
    (date(2026, 3, 1), {6: 0, 12: 1, 24: 1}),
    (date(2026, 8, 31), {6: 0, 12: 1, 24: 1}),
    (date(2026, 9, 1), {6: 0, 12: 0, 24: 1}),
    (None, {6: 0, 12: 0, 24: 0}),
])
def test_readmitted_within_n_calendar_months(readmitted_on, within):
    figures = Figures()
    figures.count_release(date(2025, 8, 31), readmitted_on, date(2027, 8, 31))
    assert dict(figures.released_after) == {6: 1, 12: 1, 24: 1}
    assert {n: figures.readmitted_within[n] for n in (6, 12, 24)} == within


def test_rows_recompute_rates_from_summed_numerators_and_denominators():
    a = Figures(enrolled=2, completed=1, withdrawn=1, sessions_held=1, attended=1, counted=1,
                minutes_by_activity=Counter(counseling=90),
                score_sums=Counter(ASSIST=-10.0), score_counts=Counter(ASSIST=1))
    b = Figures(enrolled=8, completed=2, sessions_held=3, attended=3, counted=9,
                minutes_by_activity=Counter(counseling=30, skills_training=120),
                score_sums=Counter(ASSIST=2.0, URICA=3.0),
                score_counts=Counter(ASSIST=3, URICA=1))
    total = (a + b).indicators()
    assert total["completion_rate"] == 3 / 10  # not (1/2 + 2/8) / 2
    assert total["attendance_rate"] == 4 / 10  # not (1/1 + 3/9) / 2
    assert total["active"] == 10 - 3 - 1
    assert total["hours_by_activity"] == {"counseling": 2.0, "skills_training": 2.0}
    assert total["score_change"] == {"ASSIST": -8 / 4, "URICA": 3.0}  # negative sums survive


def test_nothing_to_divide_gives_null_rates_and_empty_objects():
    row = Figures().indicators()
    assert row["completion_rate"] is None and row["attendance_rate"] is None
    assert row["hours_by_activity"] == {} and row["score_change"] == {}
    assert row["score_excluded"] == {}
    assert list(row) == [
        "enrolled", "active", "completed", "withdrawn", "completion_rate", "sessions_held",
        "hours_by_activity", "attendance_rate", "score_change", "score_excluded", "released",
        "released_6m",
        "readmitted_6m", "released_12m", "readmitted_12m", "released_24m", "readmitted_24m"]
    urine = Figures().urine.indicators()
    assert list(urine) == ["urine_tests", "urine_positive", "positivity_rate", "violations",
                           "violations_open", "violations_sanctioned"]
    assert urine["positivity_rate"] is None and urine["urine_tests"] == 0


def test_urine_figures_sum_and_the_rate_is_recomputed_from_the_sums():
    a = Figures(urine=UrineFigures(tests=4, positive=1, valid=4, open=1, sanctioned=0))
    b = Figures(urine=UrineFigures(tests=3, positive=2, valid=2, open=0, sanctioned=1))
    row = (a + b).urine.indicators()
    assert {k: row[k] for k in ("urine_tests", "urine_positive", "violations", "violations_open",
                                "violations_sanctioned")} == {
        "urine_tests": 7, "urine_positive": 3, "violations": 3, "violations_open": 1,
        "violations_sanctioned": 1}
    assert row["positivity_rate"] == 3 / 6  # not (1/4 + 2/2) / 2


def test_session_indicators_sum_per_prison_and_recompute_the_rate():
    a = Figures(makeups=1, compliant=2, graded=2)
    a.not_held_by_reason.update({"holiday": 1, "security_lockdown": 2})
    b = Figures(makeups=1, compliant=1, graded=4)
    b.not_held_by_reason.update({"holiday": 1})
    assert (a + b).session_indicators() == {
        "sessions_not_held": 4, "not_held_by_reason": {"holiday": 2, "security_lockdown": 2},
        "makeup_sessions": 2, "compliance_rate": 3 / 6}  # not the mean of 1.0 and 0.25
    assert Figures().session_indicators() == {
        "sessions_not_held": 0, "not_held_by_reason": {}, "makeup_sessions": 0,
        "compliance_rate": None}
