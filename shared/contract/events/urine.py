"""Events of urine tests and the violations a positive result opens, on the `participant`
aggregate (docs/pathway.md section 3). A test is named by its client-chosen `test_id`; a
violation has no id of its own: it is the test's (`test_id`), opened by the test's first
`positive` result and closed once by `ViolationResolved`."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field

from shared.contract.fields import (
    Day,
    Note,
    Substance,
    TestKind,
    TestPoint,
    UrineResult,
    Uuid,
    ViolationOutcome,
    unique,
)
from shared.contract.registry import Event, events

Panel = Annotated[list[Substance], Field(min_length=1), AfterValidator(unique)]


class UrineTestRecorded(Event):
    test_id: Uuid
    tested_on: Day
    kind: TestKind
    point: TestPoint | None
    panel: Panel
    results: dict[Substance, UrineResult]
    witnessed: bool
    program_id: Uuid | None


class ViolationResolved(Event):
    test_id: Uuid
    resolved_on: Day
    outcome: ViolationOutcome
    note: Note


events("participant", UrineTestRecorded, ViolationResolved)
