"""The contract's event schemas: the envelope and every event's `data`, per schema version.

One pydantic model per (type, schema_version) in `EVENT_SCHEMAS`, the registry `pulih audit
verify` checks the log against and the AsyncAPI document is generated from. Models describe what
is *stored*: they validate envelopes as parsed from the log (JSON types only; dates are ISO
strings, instants RFC 3339 strings with an offset), never command input. Bounds on text and list
lengths are the command models' (services/*/commands.py), so every event a service can write
validates; relations with other aggregates and with time are business rules, not schema.

A changed event shape gets a new `schema_version`: register its model here (next to the
upcaster in shared/upcasting.py), never edit an old one — old events keep validating as stored.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
    with_config,
)
from typing_extensions import TypedDict

from shared.envelope import AGGREGATE_TYPES
from shared.fields import SLUG_PATTERN, UUID_PATTERN

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_TYPE = re.compile(r"[A-Z][A-Za-z0-9]{0,99}")
_INSTANT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})")


def _iso_date(value: Any) -> Any:
    if isinstance(value, str) and _DATE.fullmatch(value):
        return value
    raise ValueError("must be an ISO date string YYYY-MM-DD")


def _instant(value: Any) -> Any:
    if isinstance(value, str) and _INSTANT.fullmatch(value):
        return value
    raise ValueError("must be an RFC 3339 instant string with offset")


def _text(max_length: int) -> Any:
    return Annotated[str, StringConstraints(strict=True, min_length=1, max_length=max_length)]


def _unique(values: list[Any]) -> list[Any]:
    if len(set(values)) != len(values):
        raise ValueError("must not repeat a value")
    return values


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
Activity = Literal["counseling", "skills_training", "mental_guidance", "spiritual_guidance",
                   "social_guidance", "medical", "aftercare"]
Activities = Annotated[list[Activity], Field(min_length=1), AfterValidator(_unique)]
Status = Literal["present", "absent", "excused", "late"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Envelope(_Model):
    event_id: Uuid
    type: Annotated[str, StringConstraints(strict=True, pattern=f"^{_TYPE.pattern}$")]
    schema_version: Annotated[int, Field(strict=True, ge=1)]
    prison_id: Slug
    aggregate_type: Literal["agreement", "program", "participant", "session"]
    aggregate_id: Uuid
    aggregate_version: Annotated[int, Field(strict=True, ge=1)]
    occurred_at: Instant
    recorded_at: Instant
    actor: Name
    command_id: Uuid
    correlation_id: Uuid
    causation_id: Uuid | None
    prev_hash: Annotated[str, StringConstraints(strict=True, pattern=r"^([0-9a-f]{64})?$")]
    hash: Annotated[str, StringConstraints(strict=True, pattern=r"^[0-9a-f]{64}$")]
    data: dict[str, Any]


# --- agreement ------------------------------------------------------------------------------
# Objects inside `data` (a partner, the items of a list) are TypedDicts: validated the same,
# without building an instance per item (a session's attendance has one item per participant).
# `Event…` names: the AsyncAPI document has one namespace, shared with the commands' `Partner`…

@with_config(ConfigDict(extra="forbid"))
class EventPartner(TypedDict):
    id: Slug
    name: Name
    kind: Literal["ipwl", "foundation", "government", "other"]


@with_config(ConfigDict(extra="forbid"))
class EventSignatory(TypedDict):
    name: Name
    title: Name
    party: Literal["prison", "partner"]


Signatories = Annotated[list[EventSignatory], Field(min_length=1, max_length=20)]


class AgreementSigned(_Model):
    number: Number
    title: Name
    partner: EventPartner
    services: Activities
    signed_on: Day
    effective_from: Day
    effective_until: Day
    signatories: Signatories
    renews: Uuid | None
    committed_sessions_per_month: Count | None

    @model_validator(mode="after")
    def _contract(self) -> AgreementSigned:
        if self.effective_until <= self.effective_from:
            raise ValueError("effective_until must be after effective_from")
        if {s["party"] for s in self.signatories} != {"prison", "partner"}:
            raise ValueError("signatories must include at least one of each party")
        return self


class AgreementExtended(_Model):
    signed_on: Day
    effective_until: Day
    signatories: Signatories
    note: Note


class Changes(_Model):
    """Only the keys given change; `committed_sessions_per_month: null` drops the figure."""

    title: Name | None = None
    services: Activities | None = None
    committed_sessions_per_month: Count | None = None

    @field_validator("title", "services")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:  # runs only for keys given: absent means unchanged
            raise ValueError("must not be null")
        return value

    @model_validator(mode="after")
    def _something(self) -> Changes:
        if not self.model_fields_set:
            raise ValueError("must change at least one of title, services, "
                             "committed_sessions_per_month")
        return self


class AgreementAmended(_Model):
    signed_on: Day
    changes: Changes
    note: Note


class AgreementTerminated(_Model):
    terminated_on: Day
    reason: Text


class AgreementExpired(_Model):
    expired_on: Day


# --- program --------------------------------------------------------------------------------

class ProgramLaunched(_Model):
    agreement_id: Uuid
    name: Name
    cohort: Number
    activities: Activities
    starts_on: Day
    ends_on: Day
    capacity: Annotated[int, Field(strict=True, ge=1, le=10_000)]


class ParticipantEnrolled(_Model):
    participant_id: Uuid
    enrolled_on: Day


class ParticipantWithdrawn(_Model):
    participant_id: Uuid
    withdrawn_on: Day
    reason: Literal["transferred", "released", "discipline", "refused", "health", "died",
                    "other"]
    note: Note


class ParticipantCompleted(_Model):
    participant_id: Uuid
    completed_on: Day


class ProgramClosed(_Model):
    closed_on: Day


# --- participant (a pseudonym: no name, NIK or register number, ever) ----------------------

class ParticipantRegistered(_Model):
    case_type: Literal["narcotics_user", "narcotics_other"]
    admitted_on: Day


class AssessmentRecorded(_Model):
    instrument: Literal["ASSIST", "ASI", "URICA", "WHOQOL", "urine_test", "other"]
    phase: Literal["intake", "mid", "exit", "follow_up"]
    score: Annotated[float, Field(strict=True, allow_inf_nan=False)]
    assessed_on: Day
    program_id: Uuid | None


class AssessmentRecordedV2(AssessmentRecorded):
    """v2 (shared/upcasting.py): who assessed, null when not recorded."""

    assessor_role: Literal["counselor", "psychologist", "medical", "social_worker", "officer",
                           "other"] | None


class ParticipantReleased(_Model):
    released_on: Day
    release_type: Literal["expiration", "parole", "conditional_leave", "pre_release_leave",
                          "assimilation", "transfer", "other"]


class ParticipantReadmitted(_Model):
    readmitted_on: Day


# --- session --------------------------------------------------------------------------------

@with_config(ConfigDict(extra="forbid"))
class EventFacilitator(TypedDict):
    name: Name
    organization: Name
    role: Literal["instructor", "resource_person", "counselor", "officer"]


@with_config(ConfigDict(extra="forbid"))
class EventMark(TypedDict):
    participant_id: Uuid
    status: Status


class SessionScheduled(_Model):
    program_id: Uuid
    scheduled_for: Instant
    activity: Activity
    topic: Topic
    facilitators: Annotated[list[EventFacilitator], Field(max_length=20)]


class SessionHeld(_Model):
    program_id: Uuid
    held_at: Instant
    duration_minutes: Annotated[int, Field(strict=True, ge=1, le=600)]
    activity: Activity
    topic: Topic
    facilitators: Annotated[list[EventFacilitator], Field(min_length=1, max_length=20)]
    attendance: Annotated[list[EventMark], Field(max_length=2000)]

    @field_validator("attendance")
    @classmethod
    def _once_each(cls, marks: list[EventMark]) -> list[EventMark]:
        _unique([m["participant_id"] for m in marks])
        return marks


class AttendanceCorrected(_Model):
    participant_id: Uuid
    status: Status
    reason: Text


class SessionCancelled(_Model):
    reason: Text


# --- the registry ---------------------------------------------------------------------------

# (type, schema_version) -> the model of that version's `data`.
EVENT_SCHEMAS: dict[tuple[str, int], type[BaseModel]] = {}
# type -> the aggregate type whose stream it belongs to (the same for every version).
EVENT_AGGREGATES: dict[str, str] = {}


def register(aggregate_type: str, event_type: str, version: int, model: type[BaseModel]) -> None:
    if aggregate_type not in AGGREGATE_TYPES:
        raise ValueError(f"unknown aggregate type {aggregate_type}")
    if EVENT_AGGREGATES.setdefault(event_type, aggregate_type) != aggregate_type:
        raise ValueError(f"{event_type} already belongs to {EVENT_AGGREGATES[event_type]}")
    if (event_type, version) in EVENT_SCHEMAS:
        raise ValueError(f"{event_type} v{version} is already registered")
    EVENT_SCHEMAS[(event_type, version)] = model


for _aggregate, _models in {
    "agreement": (AgreementSigned, AgreementExtended, AgreementAmended, AgreementTerminated,
                  AgreementExpired),
    "program": (ProgramLaunched, ParticipantEnrolled, ParticipantWithdrawn,
                ParticipantCompleted, ProgramClosed),
    "participant": (ParticipantRegistered, AssessmentRecorded, ParticipantReleased,
                    ParticipantReadmitted),
    "session": (SessionScheduled, SessionHeld, AttendanceCorrected, SessionCancelled),
}.items():
    for _model in _models:
        register(_aggregate, _model.__name__, 1, _model)
register("participant", "AssessmentRecorded", 2, AssessmentRecordedV2)


def latest_versions() -> dict[str, int]:
    """The highest registered schema_version of every event type."""
    latest: dict[str, int] = {}
    for event_type, version in EVENT_SCHEMAS:
        latest[event_type] = max(version, latest.get(event_type, 0))
    return latest


def validate(envelope: Any) -> list[str]:
    """Everything wrong with a stored envelope, as `field: problem` lines; [] when valid.

    Checks the envelope's fields (exactly the contract's, each of its type), that `type` is an
    event of `aggregate_type`, and `data` against the model of (type, schema_version). Problems
    name fields, never values: a value may be exactly the personal data the contract keeps out.
    """
    if not isinstance(envelope, dict):
        return ["envelope: must be a JSON object"]
    problems: list[str] = []
    try:
        Envelope.model_validate(envelope)
    except ValidationError as exc:
        problems += _problems(exc, "")
    kind, version = envelope.get("type"), envelope.get("schema_version")
    if not isinstance(kind, str) or type(version) is not int:
        return problems
    aggregate = EVENT_AGGREGATES.get(kind)
    if aggregate is None:  # named only when it has the form of a type name
        return [*problems, f"type: unknown event type {kind!r}" if _TYPE.fullmatch(kind)
                else "type: unknown event type"]
    if envelope.get("aggregate_type") != aggregate:
        problems.append(f"type: {kind} is an event of the {aggregate} aggregate")
    model = EVENT_SCHEMAS.get((kind, version))
    if model is None:
        return [*problems, f"schema_version: no schema for {kind} version {version}"]
    if isinstance(envelope.get("data"), dict):
        try:
            model.model_validate(envelope["data"])
        except ValidationError as exc:
            problems += _problems(exc, "data")
    return problems


def _problems(exc: ValidationError, prefix: str) -> list[str]:
    out = []
    for error in exc.errors(include_input=False, include_url=False):
        where = ".".join(p for p in (prefix, ".".join(map(str, error["loc"]))) if p)
        out.append(f"{where or 'envelope'}: {error['msg']}")
    return out
