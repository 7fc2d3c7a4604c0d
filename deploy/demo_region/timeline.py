"""The small pieces every part of the demo region is written with: a timeline of commands per
prison (sent in business-time order), dates and instants in WIB, and the ids."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from deploy.demo import Command, demo_id
from shared.envelope import WIB

# Nothing in the scenario is dated after this day: the log is the same whenever it is loaded.
CUTOFF = date(2026, 11, 30)


def at(day: date, clock: time = time(0)) -> datetime:
    return datetime.combine(day, clock, WIB)


def days(n: int) -> timedelta:
    return timedelta(days=n)


def person_id(key: str) -> str:
    """A person's pseudonymous participant id: the same in every prison (contract, Personal
    data v2), so a readmission or a transfer to another prison is recognised."""
    return demo_id(f"person/{key}")


@dataclass
class Timeline:
    """Each prison's commands with the instant they belong to; sorted stably when read."""
    entries: dict[str, list[tuple[datetime, Command]]] = field(
        default_factory=lambda: defaultdict(list))

    def add(self, prison: str, when: datetime | date, service: str, name: str,
            data: dict[str, Any]) -> None:
        instant = when if isinstance(when, datetime) else at(when)
        self.entries[prison].append((instant, (service, name, data)))

    def commands(self, prison: str) -> list[Command]:
        return [c for _, c in sorted(self.entries.get(prison, []), key=lambda e: e[0])]
