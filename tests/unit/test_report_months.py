"""`months.split`: whole months plus the end days cover a window's days exactly once."""

from datetime import date, timedelta

import pytest

from services.reporting.read.figures import BEGINNING, Window
from services.reporting.read.months import NOTHING, split
from services.reporting.read.scores import wanted_of


def days(window: Window) -> list[date]:
    out, day = [], window.start
    while day <= window.end:
        out.append(day)
        if day == date.max:
            break
        day += timedelta(days=1)
    return out


def covered(window: Window) -> list[date]:
    cut = split(window)
    out = [d for start, end in cut.edges for d in days(Window(start, end))]
    if cut.months != NOTHING:
        first, last = cut.months
        month_days = days(Window(first, last.replace(day=28) + timedelta(days=4)))
        out += [d for d in month_days if d < last.replace(day=1) or d.month == last.month
                and d.year == last.year]
        assert all(d.day == 1 for d in cut.months)
    return sorted(out)


@pytest.mark.parametrize("window", [
    Window(date(2026, 1, 15), date(2026, 4, 10)), Window(date(2026, 3, 2), date(2026, 3, 30)),
    Window(date(2026, 3, 1), date(2026, 3, 31)), Window(date(2024, 2, 29), date(2025, 3, 1)),
    Window(date(2026, 3, 31), date(2026, 4, 1)), Window(date(2025, 12, 1), date(2026, 1, 31)),
    Window(date(9999, 12, 2), date(9999, 12, 31)), Window(date(1, 1, 1), date(1, 1, 5)),
])
def test_months_and_edges_cover_the_window_once(window):
    assert covered(window) == days(window)


def test_the_default_window_is_whole_months_and_the_current_month_so_far():
    cut = split(Window(BEGINNING, date(2026, 12, 5)))
    assert cut.months == (date(1, 1, 1), date(2026, 11, 1))
    assert cut.edges == ((date(2026, 12, 1), date(2026, 12, 5)),)
    assert cut.edge(1) == NOTHING


def test_wanted_of_joins_the_ids_and_refuses_one_with_a_comma():
    assert wanted_of([]) == ("", "")
    assert wanted_of([("lapas-a", "p1"), ("lapas-b", "p2")]) == ("lapas-a,lapas-b", "p1,p2")
    with pytest.raises(ValueError):
        wanted_of([("lapas-a", "p,1"), ("lapas-b", "p2")])
