"""Helpers shared by both aggregates' `decide`."""

from __future__ import annotations

from datetime import date, datetime, time

from shared.contract.events import Event
from shared.envelope import WIB, NewEvent
from shared.errors import rule


def at(day: date, occurred_at: datetime | None) -> datetime:
    """When the event happened: the instant given, else the start of its date in WIB."""
    return occurred_at or datetime.combine(day, time(0), WIB)


def dated(new: Event, day: date, occurred_at: datetime | None, field_name: str) -> NewEvent:
    """One new event dated `day` (the command's `field_name`).

    A given `occurred_at` only makes the date more precise: it must fall on that date in WIB,
    or a reader that goes by the instant (the attendance roster) and one that goes by the date
    (the reports) would disagree about the same event.
    """
    if occurred_at is not None and occurred_at.astimezone(WIB).date() != day:
        raise rule(f"occurred_at must fall on {field_name} ({day.isoformat()}) in WIB (UTC+7)",
                   "occurred_at")
    return new.stamped(at(day, occurred_at).isoformat())


def not_future(day: date, today: date, field_name: str) -> None:
    if day > today:
        raise rule(f"{field_name} must not be in the future", field_name)


def not_before(day: date, bound: date, field_name: str, what: str) -> None:
    if day < bound:
        raise rule(f"{field_name} must not be before {what} ({bound.isoformat()})", field_name)


def not_before_instant(instant: datetime, bound: datetime, what: str) -> None:
    """Same-day order: an event may not precede, within the day, the one it follows."""
    if instant < bound:
        raise rule(f"occurred_at ({instant.isoformat()}) must not be before {what} "
                   f"({bound.isoformat()})", "occurred_at")
