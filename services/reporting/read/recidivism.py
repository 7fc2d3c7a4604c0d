"""`/recidivism`: release cohorts followed for 6/12/24/36 calendar months (issue 13, §5;
contract "Personal data (v2)"). Pure: no I/O, no clock; `recidivism_sql.py` feeds it.

A person is the `participant_id` (the pseudonym, the same in every prison).
- Cohort release: a person's first non-transfer release dated in the cohort year (anywhere),
  counted in the row of the prison that released them. A transfer (`ParticipantTransferred`,
  or a v1 release of type `transfer`) is never a release: it is listed in `transfers` only.
- Returns after a release R (dated on or after R's day, on or before `to`): a readmission
  (`ParticipantReadmitted`) or a registration (`ParticipantRegistered`) in any prison
  (`new_offence`), or the revocation of R itself (`revocation`). An admission that is a
  transfer's arrival is no return: in the transfer's `to_prison_id` (any prison for a v1
  transfer), dated on or after the transfer, with no non-transfer release of the person in
  between. The return that counts is the earliest; on the same day a revocation wins.
- Per window of N months, horizon = R + N calendar months (`figures.add_months`), in order:
  `excluded_died` when the person died on or before the horizon and before any return;
  else `excluded_window_open` when the horizon is after `to`; else `followed`, and returned
  when the counted return is dated on or before the horizon.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import Any

from services.reporting.read.figures import add_months

WINDOWS = (6, 12, 24, 36)
TRANSFER = "transfer"
NEW_OFFENCE, REVOCATION = "new_offence", "revocation"

Row = Mapping[str, Any]


@dataclass(frozen=True)
class Graduates:
    """`/recidivism`'s graduate filters: completions dated in `year`, of the program
    `program_id` of `program_prison_id`, of programs under `partner_id`'s agreements (None:
    any)."""

    year: int | None = None
    program_prison_id: str | None = None
    program_id: str | None = None
    partner_id: str | None = None


@dataclass(frozen=True)
class Return:
    on: date
    kind: str  # NEW_OFFENCE | REVOCATION


@dataclass
class Person:
    """Everything the read models hold of one pseudonym, in every prison."""

    releases: list[Row]  # `releases` rows (transfers included)
    stays: list[Row]  # `participants` rows: prison_id, admitted_on, died_on

    def died_on(self, to: date) -> date | None:
        """The death, when recorded by `to`."""
        return min((s["died_on"] for s in self.stays
                    if s["died_on"] is not None and s["died_on"] <= to), default=None)

    def is_transfer_arrival(self, prison_id: str, on: date) -> bool:
        for t in self.releases:
            if t["release_type"] != TRANSFER or t["released_on"] > on:
                continue
            if t["to_prison_id"] not in (None, prison_id):
                continue
            if not any(r["release_type"] != TRANSFER and t["released_on"] <= r["released_on"]
                       <= on for r in self.releases):
                return True
        return False

    def first_return(self, release: Row, to: date, *, revocation: bool = True
                     ) -> Return | None:
        """The return that counts for `release` (`revocation=False`: the first admission,
        the contract's readmission, which `/evaluation` uses)."""
        start = release["released_on"]
        # (prison, day, the stay's number there): a registration starts stay 1, the
        # readmission ending release n starts stay n + 1. The released stay's own start is
        # no return, even on the release's day.
        admissions = [(s["prison_id"], s["admitted_on"], 1) for s in self.stays]
        admissions += [(r["prison_id"], r["readmitted_on"], r["n"] + 1) for r in self.releases
                       if r["readmitted_on"] is not None]
        own = (release["prison_id"], release["n"])
        found = [Return(on, NEW_OFFENCE) for prison, on, stay in admissions
                 if start <= on <= to and (prison, stay) != own
                 and not self.is_transfer_arrival(prison, on)]
        revoked = release["revoked_on"]
        if revocation and revoked is not None and revoked <= to:
            found.append(Return(revoked, REVOCATION))
        return min(found, key=lambda r: (r.on, r.kind != REVOCATION), default=None)


@dataclass
class Cell:
    """One row's numerators and denominators."""

    released: int = 0
    conditional: int = 0
    final: int = 0
    excluded_died: int = 0
    excluded_window_open: int = 0
    followed: int = 0
    returned_new_offence: int = 0
    returned_revocation: int = 0

    def add(self, release: Row, back: Return | None, died: date | None, months: int,
            to: date) -> None:
        self.released += 1
        self.conditional += release["conditional"] is True
        self.final += release["conditional"] is False
        horizon = add_months(release["released_on"], months)
        if died is not None and died <= horizon and (back is None or died < back.on):
            self.excluded_died += 1
        elif horizon > to:
            self.excluded_window_open += 1
        else:
            self.followed += 1
            if back is not None and back.on <= horizon:
                self.returned_new_offence += back.kind == NEW_OFFENCE
                self.returned_revocation += back.kind == REVOCATION

    def fields(self) -> dict[str, Any]:
        returned = self.returned_new_offence + self.returned_revocation
        rate = float(Fraction(returned, self.followed)) if self.followed else None
        return {**vars(self), "returned": returned, "recidivism_rate": rate}


def people(releases: Iterable[Row], stays: Iterable[Row]) -> dict[str, Person]:
    out: dict[str, Person] = defaultdict(lambda: Person([], []))
    for r in releases:
        out[r["participant_id"]].releases.append(r)
    for s in stays:
        out[s["participant_id"]].stays.append(s)
    return dict(out)


def graduated(completions: Iterable[Row], release: Row, year: int | None) -> bool:
    """Whether one of the person's `completions` makes `release` a graduate's: in the
    releasing prison, on or before the release, in `year` when given."""
    return any(c["prison_id"] == release["prison_id"]
               and c["completed_on"] <= release["released_on"]
               and year in (None, c["completed_on"].year) for c in completions)


def cohort_release(person: Person, year: int, to: date) -> Row | None:
    """The person's first non-transfer release dated in `year` (and by `to`)."""
    return cohort_releases(person, to).get(year)


def cohort_releases(person: Person, to: date) -> dict[int, Row]:
    """Per year, the person's first non-transfer release dated in it (and by `to`): the
    earliest, then by prison_id, the first recorded of equals. One pass over the releases."""
    first: dict[int, Row] = {}
    for r in person.releases:
        on = r["released_on"]
        if r["release_type"] == TRANSFER or on > to:
            continue
        known = first.get(on.year)
        if known is None or (on, r["prison_id"]) < (known["released_on"], known["prison_id"]):
            first[on.year] = r
    return first


def recidivism(releases: Sequence[Row], stays: Sequence[Row], to: date, *,
               cohort: int | None = None, windows: Sequence[int] = WINDOWS,
               prisons: Iterable[str] | None = None, completions: Iterable[Row] | None = None,
               graduated_in: int | None = None) -> list[dict[str, Any]]:
    """The report's rows, ordered by prison_id, cohort, window_months: one per releasing
    prison × cohort year × window, for every (prison, year) with a release or a transfer
    out dated in it (by `to`) that counts; `prisons` (None: every prison) keeps those
    prisons' rows; `completions` (None: everyone) keeps graduates only (see above)."""
    wanted = None if prisons is None else set(prisons)
    of: dict[str, list[Row]] = defaultdict(list)
    for c in completions or ():
        of[c["participant_id"]].append(c)

    def counts(release: Row) -> bool:
        return completions is None or graduated(of[release["participant_id"]], release,
                                                graduated_in)

    cells: dict[tuple[str, int, int], Cell] = defaultdict(Cell)
    transfers: dict[tuple[str, int], int] = defaultdict(int)
    for r in releases:
        on = r["released_on"]
        if (r["release_type"] == TRANSFER and on <= to and cohort in (None, on.year)
                and counts(r)):
            transfers[r["prison_id"], on.year] += 1
    for person in people(releases, stays).values():
        died = person.died_on(to)
        firsts = cohort_releases(person, to)
        for year in sorted(firsts) if cohort is None else [cohort]:
            release = firsts.get(year)
            if release is None or not counts(release):
                continue
            back = person.first_return(release, to)
            for months in windows:
                cells[release["prison_id"], year, months].add(release, back, died, months, to)
    keys = set(cells) | {(p, y, m) for p, y in transfers for m in windows}
    return [{"prison_id": p, "cohort": y, "window_months": m, **cells[p, y, m].fields(),
             "transfers": transfers.get((p, y), 0)}
            for p, y, m in sorted(keys) if wanted is None or p in wanted]
