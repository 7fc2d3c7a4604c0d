"""The `data` of the urine-test commands (participant aggregate, docs/pathway.md section 3):
field validation at the edge (`invalid`). How the fields relate to each other, to the
participant's stay and to the program named are business rules, in `domain/urine.py` (`rule`).
"""

from __future__ import annotations

from typing import Annotated, get_args

from pydantic import AfterValidator, Field, StrictBool

from services.programs.commands import ParticipantCommand
from shared.contract.fields import (
    Substance,
    TestKind,
    TestPoint,
    UrineResult,
    ViolationOutcome,
)
from shared.fields import Day, Note, Uuid

SUBSTANCES: tuple[str, ...] = get_args(Substance)


def _panel(value: list[str]) -> list[str]:
    if len(set(value)) != len(value):
        raise ValueError("must not repeat a substance")
    # Contract order, so equal panels serialise equally.
    return sorted(value, key=SUBSTANCES.index)


Panel = Annotated[list[Substance], Field(min_length=1), AfterValidator(_panel)]


class RecordUrineTest(ParticipantCommand):
    """Record one urine test (scheduled or random) with its result per substance of the panel;
    writes `UrineTestRecorded`. A `positive` result for any substance opens violation `test_id`
    (resolved later by `ResolveViolation`).

    Rules: the participant is registered in this prison (`not_found`) and in custody;
    `test_id` (chosen by the client) is not already a test of this participant; `tested_on` is
    not before the current admission (or readmission) and not in the future; `results` has
    exactly one result for each substance of `panel`, and no other; `point` (start, middle,
    end of the program) only for a `scheduled` test, where it is optional; `program_id`, when
    given, names a program of this prison the participant is enrolled in on `tested_on`
    (enrolled on or before it, not completed or withdrawn before it).
    """

    test_id: Uuid
    tested_on: Day
    kind: TestKind
    point: TestPoint | None = None
    panel: Panel
    results: dict[Substance, UrineResult]
    witnessed: StrictBool
    program_id: Uuid | None = None


class ResolveViolation(ParticipantCommand):
    """Resolve the violation a positive urine test opened (`test_id`): explained, sanctioned
    or dismissed; writes `ViolationResolved`.

    Rules: the participant is registered in this prison (`not_found`); `test_id` is a test of
    this participant with a positive result whose violation is still open (a violation is
    resolved once); `resolved_on` is not before the test's `tested_on` and not in the future.
    """

    test_id: Uuid
    resolved_on: Day
    outcome: ViolationOutcome
    note: Note = None
