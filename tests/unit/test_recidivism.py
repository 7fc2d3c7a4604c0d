"""The recidivism rules (services/reporting/read/recidivism.py, stock.py), pure: which release
is a cohort's, which return counts, the exclusions, and the stock-based figure."""

from datetime import date

import pytest

from services.reporting.read.recidivism import Person, people, recidivism
from services.reporting.read.stock import stock

A, B, C = "lapas-a", "lapas-b", "lapas-c"
P, Q = "p", "q"
TO = date(2026, 6, 30)


def d(text):
    return date.fromisoformat(text)


def rel(prison, n, on, kind="expiration", *, who=P, conditional=None, back=None, revoked=None,
        to=None):
    if conditional is None and kind != "transfer":
        conditional = kind != "expiration"
    return {"participant_id": who, "n": n, "prison_id": prison, "released_on": d(on),
            "release_type": kind, "readmitted_on": back and d(back), "conditional": conditional,
            "to_prison_id": to, "revoked_on": revoked and d(revoked)}


def stay(prison, admitted, *, who=P, died=None):
    return {"participant_id": who, "prison_id": prison, "admitted_on": d(admitted),
            "died_on": died and d(died)}


def first(releases, stays, release, *, revocation=True):
    back = people(releases, stays)[P].first_return(release, TO, revocation=revocation)
    return back and (back.on, back.kind)


def test_the_admission_that_starts_the_released_stay_is_no_return():
    released = rel(A, 1, "2024-01-10")
    assert first([released], [stay(A, "2024-01-10")], released) is None
    again = rel(A, 2, "2024-05-01")
    readmitted = rel(A, 1, "2024-01-10", back="2024-03-01")
    assert first([readmitted, again], [stay(A, "2023-01-01")], again) is None
    assert first([readmitted, again], [stay(A, "2023-01-01")], readmitted) == (
        d("2024-03-01"), "new_offence")


def test_an_admission_anywhere_on_or_after_the_release_is_a_return():
    released = rel(A, 1, "2024-01-10")
    stays = [stay(A, "2023-01-01"), stay(B, "2024-01-10")]
    assert first([released], stays, released) == (d("2024-01-10"), "new_offence")
    # a readmission in another prison too (the person had been there before)
    stays = [stay(A, "2023-01-01"), stay(B, "2020-01-01")]
    earlier_in_b = rel(B, 1, "2021-01-01", back="2024-08-01", who=P)
    assert first([released, earlier_in_b], stays, released) == (d("2024-08-01"),
                                                                "new_offence")


def test_the_earliest_return_counts_and_a_revocation_wins_the_same_day():
    paroled = rel(A, 1, "2024-01-10", "parole", revoked="2024-04-01")
    stays = [stay(A, "2023-01-01"), stay(B, "2024-04-01"), stay(C, "2024-02-01")]
    assert first([paroled], stays, paroled) == (d("2024-02-01"), "new_offence")
    assert first([paroled], stays[:2], paroled) == (d("2024-04-01"), "revocation")
    # /evaluation's readmission: admissions only
    assert first([paroled], stays[:2], paroled, revocation=False) == (d("2024-04-01"),
                                                                       "new_offence")


def test_a_transfers_arrival_is_no_return():
    """Parole revoked, then transferred to b and registered there: for /evaluation (which
    counts admissions only) the registration in b must not pass for a readmission."""
    paroled = rel(A, 1, "2024-01-10", "parole", revoked="2024-03-01")
    moved = rel(A, 2, "2024-06-01", "transfer", to=B)
    stays = [stay(A, "2023-01-01"), stay(B, "2024-06-01")]
    assert first([paroled, moved], stays, paroled, revocation=False) is None
    # a v1 transfer names no prison: an arrival anywhere
    v1 = rel(A, 2, "2024-06-01", "transfer")
    assert first([paroled, v1], stays, paroled, revocation=False) is None
    # a transfer to c does not explain an admission in b
    elsewhere = rel(A, 2, "2024-06-01", "transfer", to=C)
    assert first([paroled, elsewhere], stays, paroled, revocation=False) == (
        d("2024-06-01"), "new_offence")
    # a release in between: the admission after it is a return again
    person = Person([moved, rel(B, 1, "2024-09-01", who=P)], [])
    assert person.is_transfer_arrival(B, d("2024-06-01"))
    assert not person.is_transfer_arrival(B, d("2024-10-01"))


def row(rows, prison, months):
    [found] = [r for r in rows if (r["prison_id"], r["window_months"]) == (prison, months)]
    return found


def test_cohort_release_is_the_persons_first_of_the_year_anywhere():
    releases = [rel(A, 1, "2024-02-01", back="2024-03-01"), rel(A, 2, "2024-05-01"),
                rel(B, 1, "2024-01-15", who=Q), rel(B, 2, "2024-03-01", "transfer", who=Q, to=C),
                rel(A, 3, "2023-12-31", who=Q)]
    stays = [stay(A, "2023-01-01"), stay(B, "2023-01-01", who=Q)]
    rows = recidivism(releases, stays, TO, cohort=2024, windows=(6,))
    assert [(r["prison_id"], r["released"], r["transfers"]) for r in rows] == [
        (A, 1, 0), (B, 1, 1)]
    assert row(rows, A, 6)["returned_new_offence"] == 1  # back 2024-03-01, within 6 months
    assert recidivism(releases, stays, TO, cohort=2024, windows=(6,), prisons=[B]) == [
        row(rows, B, 6)]


@pytest.mark.parametrize(("died", "back", "months", "expected"), [
    ("2024-05-01", None, 6, "excluded_died"),
    ("2024-08-01", None, 6, "followed"),  # died after the 6-month horizon (2024-07-10)
    ("2024-05-01", "2024-04-01", 6, "returned_new_offence"),  # returned, then died
    ("2024-04-01", "2024-04-01", 6, "returned_new_offence"),  # the same day: returned
    ("2026-06-01", None, 36, "excluded_died"),  # died before `to`, inside an open window
    ("2026-07-01", None, 36, "excluded_window_open"),  # a death after `to` is not known
    (None, None, 36, "excluded_window_open"),
    (None, "2026-06-01", 36, "excluded_window_open"),  # an open window is never followed
])
def test_exclusions(died, back, months, expected):
    releases = [rel(A, 1, "2024-01-10", back=back)]
    [r] = recidivism(releases, [stay(A, "2023-01-01", died=died)], TO, windows=(months,))
    counted = {k for k in ("excluded_died", "excluded_window_open", "followed",
                           "returned_new_offence") if r[k]}
    assert expected in counted and r["released"] == 1
    assert r["followed"] == r["released"] - r["excluded_died"] - r["excluded_window_open"]


def test_rates_and_the_horizon_on_the_months_last_day():
    # 2025-08-31 + 6 calendar months = 2026-02-28: a return that day is within the window
    releases = [rel(A, 1, "2025-08-31", back="2026-02-28"), rel(A, 1, "2025-08-31", who=Q)]
    stays = [stay(A, "2025-01-01"), stay(A, "2025-01-01", who=Q)]
    [r] = recidivism(releases, stays, TO, windows=(6,))
    assert (r["followed"], r["returned"], r["recidivism_rate"]) == (2, 1, 0.5)
    [r] = recidivism(releases, stays, TO, windows=(12,))
    assert (r["followed"], r["recidivism_rate"]) == (0, None)


def test_stock():
    on = d("2025-01-01")
    releases = [rel(A, 1, "2023-05-01", back="2024-06-01"),  # p: back in a, a prior release
                rel(A, 1, "2024-03-01", "parole", who=Q, revoked="2024-05-01"),  # q: revoked
                rel(A, 1, "2024-10-01", who="r")]  # r: out on `on`
    stays = [stay(A, "2022-01-01"), stay(A, "2023-01-01", who=Q), stay(A, "2023-01-01", who="r"),
             stay(B, "2024-12-01", who="s", died="2025-01-01"), stay(B, "2025-01-02", who="t")]
    assert stock(releases, stays, on) == [{"prison_id": A, "on": on, "in_custody": 2,
                                           "with_earlier_release": 1, "share": 0.5}]
