"""The people of one cohort: who they are (pseudonyms), how each came through the intake
pipeline, when each joined and left. Pure: a seeded RNG per cohort, nothing else."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

from deploy.demo_region.timeline import days, person_id

# Withdrawal reasons in turn over the region's cohorts (every one of the contract's appears).
REASONS = ("discipline", "health", "transferred", "refused", "released", "died", "other")
NOTES = {"discipline": "Pelanggaran tata tertib: dicabut dari program oleh sidang TPP",
         "health": "Dirujuk ke rumah sakit untuk perawatan lanjutan",
         "transferred": "Dipindahkan ke Lapas lain di wilayah Kanwil",
         "refused": "Menyatakan tidak bersedia melanjutkan program",
         "released": "Bebas bersyarat sebelum program selesai",
         "died": "Meninggal dunia karena sakit",
         "other": "Menjalani sidang perkara lain"}


@dataclass(frozen=True)
class Person:
    n: int
    participant_id: str
    case_type: str
    admitted_on: date
    screened_on: date
    score: int
    risk: str
    referred_on: date
    concluded_on: date
    waitlisted_on: date | None
    decided_on: date
    enrolled_on: date
    left_on: date  # withdrawal or completion (the program's end)
    withdrawal: str | None  # a reason of REASONS, or None: completed


def rng_for(prison: str, cohort: str) -> random.Random:
    return random.Random(f"pulih-demo/{prison}/{cohort}")


def people(rng: random.Random, prison: str, cohort: str, starts_on: date, ends_on: date,
           size: int, reasons_from: int) -> list[Person]:
    """`size` participants: all but the last two enrolled on the first day (those two three
    weeks later); two or three withdrawn mid-term, their reasons taken in turn from
    REASONS starting at `reasons_from`; the others complete on `ends_on`."""
    term = (ends_on - starts_on).days
    withdrawn = rng.sample(range(1, size - 1), 2 + size % 2)
    reasons = {n: REASONS[(reasons_from + i) % len(REASONS)] for i, n in enumerate(withdrawn)}
    found = []
    for n in range(1, size + 1):
        enrolled = starts_on + days(21 if n > size - 2 else 0)
        decided = enrolled - days(rng.randint(1, 6) + (21 if n > size - 2 else 0))
        waitlisted = decided - days(rng.randint(15, 30)) if n % 5 == 0 else None
        concluded = (waitlisted or decided) - days(rng.randint(1, 4))
        referred = concluded - days(rng.randint(3, 7))
        screened = referred - days(rng.randint(1, 3))
        risk = "high" if rng.random() < 0.4 else "moderate"
        left = starts_on + days(rng.randint(35, term - 30)) if n in reasons else ends_on
        found.append(Person(
            n, person_id(f"{prison}/{cohort}/{n:02d}"),
            "narcotics_other" if rng.random() < 0.15 else "narcotics_user",
            screened - days(rng.randint(14, 320)), screened,
            rng.randint(27, 38) if risk == "high" else rng.randint(6, 26), risk, referred,
            concluded, waitlisted, decided, enrolled, left, reasons.get(n)))
    return found


def active_on(group: list[Person], day: date) -> list[Person]:
    """Who a session or test on `day` concerns: enrolled on or before it, not yet left
    (withdrawals and completions are dated 00:00 WIB of their day)."""
    return [p for p in group if p.enrolled_on <= day < p.left_on]
