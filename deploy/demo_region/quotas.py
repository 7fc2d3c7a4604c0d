"""The regional office's commands (docs/pathway.md §4), sent by its identity
`region:kanwil-jatim:demo`: each prison's assignment to the Kanwil, and a yearly target per
track for every year the prison runs a cohort of that track, set each December for the next
year a little above or below the places it then plans (so "target vs realised" lands between
about 80 % and 120 %); the first of them revised in July (the latest wins)."""

from __future__ import annotations

import random
from datetime import date, datetime, time

from deploy.demo import Command
from deploy.demo_region.prisons import KANWIL, KANWIL_NAME
from deploy.demo_region.timeline import at

ASSIGNED_ON = date(2022, 12, 1)


def _sent(day: date) -> str:
    return at(day, time(10, 0)).isoformat()


def _target(rng: random.Random, places: int) -> int:
    return max(5, 5 * round(places * rng.uniform(0.85, 1.25) / 5))


def region_commands(prison: str, places: dict[tuple[int, str], int]) -> list[Command]:
    """`places`: (year, track) -> the places the prison's cohorts of that track open that
    year."""
    rng = random.Random(f"pulih-demo/quotas/{prison}")
    commands: list[Command] = [("programs", "AssignKanwil", {
        "kanwil_id": KANWIL, "kanwil_name": KANWIL_NAME,
        "assigned_on": ASSIGNED_ON.isoformat()})]
    for k, ((year, track), count) in enumerate(sorted(places.items())):
        commands.append(("programs", "SetQuota", {
            "year": year, "track": track, "target": _target(rng, count),
            "note": f"Target DIPA {year}", "occurred_at": _sent(date(year - 1, 12, 15))}))
        if k == 0:
            commands.append(("programs", "SetQuota", {
                "year": year, "track": track, "target": _target(rng, count),
                "note": f"Revisi DIPA {year} (realokasi anggaran)",
                "occurred_at": _sent(date(year, 7, 1))}))
    return commands


def sent_at(command: Command) -> datetime:
    """When a region command was sent (its occurred_at, or its assignment date)."""
    data = command[2]
    return datetime.fromisoformat(data["occurred_at"]) if "occurred_at" in data else at(
        date.fromisoformat(data["assigned_on"]))
