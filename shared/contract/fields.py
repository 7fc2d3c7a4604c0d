"""Field types of the stored contract: what an event's `data` holds, as parsed from the log.

Stored values are JSON: dates are ISO strings, instants RFC 3339 strings with an offset. The
enumerations are the contract's lists, shared with the command models that feed them.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, AwareDatetime, BeforeValidator, Field, StringConstraints

from shared.fields import SLUG_PATTERN, UUID_PATTERN, Service

DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
TYPE = re.compile(r"[A-Z][A-Za-z0-9]{0,99}")
INSTANT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})")


def _iso_date(value: Any) -> Any:
    if isinstance(value, str) and DATE.fullmatch(value):
        return value
    raise ValueError("must be an ISO date string YYYY-MM-DD")


def _instant(value: Any) -> Any:
    if isinstance(value, str) and INSTANT.fullmatch(value):
        return value
    raise ValueError("must be an RFC 3339 instant string with offset")


def _text(max_length: int) -> Any:
    return Annotated[str, StringConstraints(strict=True, min_length=1, max_length=max_length)]


def unique(values: list[Any]) -> list[Any]:
    if len(set(values)) != len(values):
        raise ValueError("must not repeat a value")
    return values


# The contract's enumerations: one spelling, used by the events and by the commands.
PartnerKind = Literal["ipwl", "foundation", "government", "other"]
Party = Literal["prison", "partner"]
WithdrawalReason = Literal[
    "transferred", "released", "discipline", "refused", "health", "died", "other",
]
CaseType = Literal["narcotics_user", "narcotics_other"]
Instrument = Literal["ASSIST", "ASI", "URICA", "WHOQOL", "urine_test", "other"]
Phase = Literal["intake", "mid", "exit", "follow_up"]
# Who took an assessment (AssessmentRecorded v2): `medical` covers physicians, nurses and labs.
AssessorRole = Literal[
    "counselor", "psychologist", "medical", "social_worker", "officer", "other",
]
ReleaseType = Literal[
    "expiration", "parole", "conditional_leave", "pre_release_leave", "assimilation",
    "transfer", "other",
]
Role = Literal["instructor", "resource_person", "counselor", "officer"]
# The rehabilitation pathway (issue 13, docs/pathway.md).
Track = Literal["medical", "social", "post_rehabilitation"]
PhaseName = Literal["induction", "primary", "re_entry", "aftercare", "other"]
RiskBand = Literal["low", "moderate", "high"]
Setting = Literal["inside", "outside"]
TeamRole = Literal["doctor", "psychologist", "counselor", "officer", "bnn", "other"]
IneligibilityReason = Literal[
    "not_narcotics", "health", "sentence_too_short", "security", "other",
]
Substance = Literal[
    "amphetamine", "methamphetamine", "mdma", "cannabis", "opiates", "cocaine",
    "benzodiazepines", "synthetic_cannabinoids", "other",
]
UrineResult = Literal["negative", "positive", "invalid"]
TestKind = Literal["scheduled", "random"]
TestPoint = Literal["start", "middle", "end"]
ViolationOutcome = Literal["explained", "sanctioned", "dismissed"]
RevocationReason = Literal["new_offence", "violation_of_conditions", "other"]
NotHeldReason = Literal[
    "partner_absent", "security_lockdown", "holiday", "facilitator_ill",
    "participants_unavailable", "other",
]
Compliance = Literal["compliant", "partial", "non_compliant"]
Status = Literal["present", "absent", "excused", "late"]
Activity = Service

Uuid = Annotated[str, StringConstraints(strict=True, pattern=UUID_PATTERN)]
Slug = Annotated[str, StringConstraints(strict=True, pattern=SLUG_PATTERN)]
Day = Annotated[date, BeforeValidator(_iso_date)]
Instant = Annotated[AwareDatetime, BeforeValidator(_instant)]
Name = _text(200)
Number = _text(100)
Topic = _text(500)
Text = _text(2000)
Note = Text | None
Count = Annotated[int, Field(strict=True, ge=0, le=10_000)]
Activities = Annotated[list[Activity], Field(min_length=1), AfterValidator(unique)]
