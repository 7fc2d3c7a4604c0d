"""Events of the `prison` aggregate (issue 13, docs/pathway.md §4): the Kanwil (regional
office) a prison belongs to and its yearly targets per track. One aggregate per prison, its id
`shared.prisons.aggregate_id(prison_id)`; only a region identity covering the prison writes it.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from shared.contract.fields import Count, Day, Name, Note, Slug, Track
from shared.contract.registry import Event, events

Year = Annotated[int, Field(strict=True, ge=2000, le=2100)]


class KanwilAssigned(Event):
    """The prison belongs to Kanwil `kanwil_id` from `assigned_on`; a later one replaces it."""

    kanwil_id: Slug
    kanwil_name: Name
    assigned_on: Day


class QuotaSet(Event):
    """The prison's target of participants for `track` in `year`; the latest per (year, track)
    is in force."""

    year: Year
    track: Track
    target: Count
    note: Note


events("prison", KanwilAssigned, QuotaSet)
