"""The regional office's commands (docs/pathway.md §4), sent by its identity
`region:kanwil-jatim:demo`: each prison's assignment to the Kanwil, and a yearly target per
track the prison runs, set each December for the next year (2025's first track revised in
July: the latest wins)."""

from __future__ import annotations

import random
from datetime import date, datetime, time

from deploy.demo import Command
from deploy.demo_region.prisons import KANWIL, KANWIL_NAME
from deploy.demo_region.timeline import at

YEARS = range(2023, 2027)
ASSIGNED_ON = date(2022, 12, 1)


def _sent(day: date) -> str:
    return at(day, time(10, 0)).isoformat()


def region_commands(prison: str, tracks: list[str]) -> list[Command]:
    rng = random.Random(f"pulih-demo/quotas/{prison}")
    commands: list[Command] = [("programs", "AssignKanwil", {
        "kanwil_id": KANWIL, "kanwil_name": KANWIL_NAME,
        "assigned_on": ASSIGNED_ON.isoformat()})]
    for year in YEARS:
        for track in tracks:
            commands.append(("programs", "SetQuota", {
                "year": year, "track": track, "target": 5 * rng.randint(6, 30),
                "note": f"Target DIPA {year}", "occurred_at": _sent(date(year - 1, 12, 15))}))
            if year == 2025 and track == tracks[0]:
                commands.append(("programs", "SetQuota", {
                    "year": year, "track": track, "target": 5 * rng.randint(6, 30),
                    "note": "Revisi DIPA 2025 (realokasi anggaran)",
                    "occurred_at": _sent(date(2025, 7, 1))}))
    return commands


def sent_at(command: Command) -> datetime:
    """When a region command was sent (its occurred_at, or its assignment date)."""
    data = command[2]
    return datetime.fromisoformat(data["occurred_at"]) if "occurred_at" in data else at(
        date.fromisoformat(data["assigned_on"]))
