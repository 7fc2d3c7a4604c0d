"""`/recidivism/stock`: the ministry's stock-based figure, a different measure from the
cohort report — of the people in custody in a prison on a day, the share with an earlier
release. Pure.

- In custody in prison P on day D: registered in P on or before D, and on D not out of P
  after a release or transfer from P (out from its day, back from the readmission or
  revocation that ended it, that day included), and not dead (from the day of death).
- With an earlier release: a non-transfer release of the person, from any prison, dated
  before D and not revoked (a revoked conditional release is the same sentence continued).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date
from fractions import Fraction
from typing import Any

from services.reporting.read.recidivism import TRANSFER

Row = Mapping[str, Any]


def _in_custody(stay: Row, releases: Iterable[Row], on: date) -> bool:
    if stay["admitted_on"] > on or (stay["died_on"] is not None and stay["died_on"] <= on):
        return False
    for r in releases:
        back = r["readmitted_on"] or r["revoked_on"]
        if r["prison_id"] == stay["prison_id"] and r["released_on"] <= on and (
                back is None or back > on):
            return False
    return True


def stock(releases: Iterable[Row], stays: Iterable[Row], on: date, *,
          prisons: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """One row per prison with someone in custody on `on`, ordered by prison_id."""
    wanted = None if prisons is None else set(prisons)
    by_person: dict[str, list[Row]] = defaultdict(list)
    for r in releases:
        by_person[r["participant_id"]].append(r)
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for stay in stays:
        mine = by_person.get(stay["participant_id"], [])
        if not _in_custody(stay, mine, on):
            continue
        earlier = any(r["release_type"] != TRANSFER and r["released_on"] < on
                      and r["revoked_on"] is None for r in mine)
        tally = counts[stay["prison_id"]]
        tally[0] += 1
        tally[1] += earlier
    return [{"prison_id": prison, "on": on, "in_custody": n, "with_earlier_release": k,
             "share": float(Fraction(k, n))}
            for prison, (n, k) in sorted(counts.items()) if wanted is None or prison in wanted]
