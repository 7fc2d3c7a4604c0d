"""Validation of stored envelopes against the registry (what `pulih audit verify` checks)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints, ValidationError

from shared.contract.events import EVENT_AGGREGATES, EVENT_SCHEMAS
from shared.contract.fields import TYPE, Instant, Name, Slug, Uuid
from shared.contract.registry import StoredModel


class Envelope(StoredModel):
    event_id: Uuid
    type: Annotated[str, StringConstraints(strict=True, pattern=f"^{TYPE.pattern}$")]
    schema_version: Annotated[int, Field(strict=True, ge=1)]
    prison_id: Slug
    aggregate_type: Literal["agreement", "program", "participant", "session", "prison"]
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
        return [*problems, f"type: unknown event type {kind!r}" if TYPE.fullmatch(kind)
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
