"""`/recidivism` narrowed to programme graduates (services/reporting/read/recidivism.py):
a completion counts in the releasing prison, on or before the release, in `graduated_in`
when given; the cohort stays the release year. Hand-computed on one scenario (to 2026-06-30,
6-month window):
- g1: completed in A 2024-06-30, released by A 2025-01-10, back 2025-03-01 (returned);
- g2: completed in A 2025-05-01, released by A 2025-07-01, no return;
- g3: completed in A 2025-05-01, transferred to B 2025-06-01, released by B 2025-08-01 (the
  completion is not the releasing prison's: never a graduate's release; the transfer is);
- n1: never completed, released by A 2025-02-01;
- late: released by A 2025-03-01, back 2025-04-01, completed in A 2025-06-01 (after the
  cohort's release: not a graduate's), released again 2025-10-01 (not the cohort's release);
- g4: completed in A 2025-11-01, released by A 2026-01-05 (cohort 2026, window still open).
"""

from datetime import date

from services.reporting.read.recidivism import recidivism
from tests.unit.test_recidivism import rel, stay

A, B = "lapas-a", "lapas-b"
TO = date(2026, 6, 30)
RELEASES = [rel(A, 1, "2025-01-10", who="g1", back="2025-03-01"),
            rel(A, 1, "2025-07-01", who="g2"),
            rel(A, 1, "2025-06-01", "transfer", who="g3", to=B),
            rel(B, 1, "2025-08-01", who="g3"),
            rel(A, 1, "2025-02-01", who="n1"),
            rel(A, 1, "2025-03-01", who="late", back="2025-04-01"),
            rel(A, 2, "2025-10-01", who="late"),
            rel(A, 1, "2026-01-05", who="g4")]
STAYS = [stay(A, "2024-01-01", who=who) for who in ("g1", "g2", "g3", "n1", "late", "g4")]
STAYS.append(stay(B, "2025-06-01", who="g3"))


def done(who, on, prison=A):
    return {"participant_id": who, "prison_id": prison, "completed_on": date.fromisoformat(on)}


COMPLETIONS = [done("g1", "2024-06-30"), done("g2", "2025-05-01"), done("g3", "2025-05-01"),
               done("late", "2025-06-01"), done("g4", "2025-11-01")]


def summary(**filters):
    rows = recidivism(RELEASES, STAYS, TO, windows=(6,), **filters)
    return [(r["prison_id"], r["cohort"], r["released"], r["followed"], r["returned"],
             r["excluded_window_open"], r["transfers"]) for r in rows]


def test_without_filters_every_release_counts():
    assert summary() == [(A, 2025, 4, 4, 2, 0, 1), (A, 2026, 1, 0, 0, 1, 0),
                         (B, 2025, 1, 1, 0, 0, 0)]


def test_graduates_of_any_year():
    # g1 (returned) and g2 in 2025; g3's release by B and late's are no graduate's; g3's
    # transfer out of A is (completed there before it); g4 in 2026
    assert summary(completions=COMPLETIONS) == [(A, 2025, 2, 2, 1, 0, 1),
                                                (A, 2026, 1, 0, 0, 1, 0)]


def test_graduated_in_keeps_that_years_completions_and_the_release_year_as_cohort():
    # 2025 graduates: g2 released in 2025, g4 released in 2026 (cohort 2026), g3's transfer
    assert summary(completions=COMPLETIONS, graduated_in=2025) == [
        (A, 2025, 1, 1, 0, 0, 1), (A, 2026, 1, 0, 0, 1, 0)]
    assert summary(completions=COMPLETIONS, graduated_in=2024) == [(A, 2025, 1, 1, 1, 0, 0)]
    assert summary(completions=COMPLETIONS, graduated_in=2023) == []
    assert summary(completions=COMPLETIONS, graduated_in=2025, cohort=2026) == [
        (A, 2026, 1, 0, 0, 1, 0)]


def test_completions_are_what_the_program_or_partner_filter_left():
    # the SQL narrows completions to one program or partner; none left: no rows
    assert summary(completions=[]) == []
    assert summary(completions=[done("g2", "2025-05-01")]) == [(A, 2025, 1, 1, 0, 0, 0)]
    # a completion in another prison than the releasing one never counts
    assert summary(completions=[done("g2", "2025-05-01", prison=B)]) == []
    # on the release's day it counts
    assert summary(completions=[done("g2", "2025-07-01")], graduated_in=2025) == [
        (A, 2025, 1, 1, 0, 0, 0)]
