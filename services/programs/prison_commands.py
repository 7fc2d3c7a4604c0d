"""The `data` of the commands on a prison's own aggregate (its Kanwil and yearly quotas): field
validation at the edge. The aggregate is the subject's prison's (`shared.prisons`), so the body
names no aggregate id; only a region identity covering the prison may send them
(`shared.regions`)."""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import Field

from shared.contract.fields import Track
from shared.fields import Day, Instant, Model, Name, Note, Slug

Year = Annotated[int, Field(strict=True, ge=2000, le=2100)]
Target = Annotated[int, Field(strict=True, ge=0, le=10_000)]


class PrisonCommand(Model):
    """A command on the subject's prison's own aggregate; sent by a region identity."""

    AGGREGATE: ClassVar[str] = "prison"
    occurred_at: Instant | None = None


class AssignKanwil(PrisonCommand):
    """Assign the subject's prison to a Kanwil (regional office), or move it to another one;
    writes `KanwilAssigned` on the prison's aggregate. The latest assignment is the one the
    reports use, for every year.

    Rules: sent by a region identity covering the prison (actor `region:{kanwil_id}:{name}`;
    an officer's is `forbidden`), and only to its own Kanwil (`kanwil_id` is the actor's,
    else `forbidden`); `assigned_on` is not in the future nor before the current assignment;
    the same Kanwil under the same name again is refused (`rule`).
    """

    kanwil_id: Slug
    kanwil_name: Name
    assigned_on: Day


class SetQuota(PrisonCommand):
    """Set the subject's prison's target of participants for one track and year; writes
    `QuotaSet`. The latest per (year, track) is in force; a target of 0 means none planned.

    Rules: sent by a region identity covering the prison (actor `region:{kanwil_id}:{name}`;
    an officer's is `forbidden`); `year` 2000..2100; `target` 0..10000; `track` one of
    medical, social, post_rehabilitation (`invalid` otherwise).
    """

    year: Year
    track: Track
    target: Target
    note: Note = None
