"""What a reader that keeps envelopes as dicts (the projections, for speed) takes from the
registry instead of spelling it again: an aggregate's event types, the values an enumerated
field allows, the bounds of a numeric field."""

from __future__ import annotations

from typing import Any, Literal, get_args, get_origin, get_type_hints

from pydantic import BaseModel

from shared.contract.events import EVENT_AGGREGATES


def types_of(aggregate_type: str) -> frozenset[str]:
    """Every registered event type of the aggregate."""
    return frozenset(kind for kind, owner in EVENT_AGGREGATES.items() if owner == aggregate_type)


def choices(model: type, field: str) -> frozenset[Any]:
    """The values an enumerated field of a model (or of a TypedDict inside one) allows; null,
    when the field is nullable, is not one of them."""
    values = frozenset(_literals(_annotation(model, field)))
    if not values:
        raise TypeError(f"{model.__name__}.{field} is not an enumeration")
    return values


def bounds(model: type[BaseModel], field: str) -> tuple[Any, Any]:
    """The inclusive (ge, le) of a numeric field of a model."""
    constraints = {name: getattr(item, name) for item in model.model_fields[field].metadata
                   for name in ("ge", "le") if getattr(item, name, None) is not None}
    return constraints["ge"], constraints["le"]


def _annotation(model: type, field: str) -> Any:
    if isinstance(model, type) and issubclass(model, BaseModel):
        return model.model_fields[field].annotation
    return get_type_hints(model)[field]


def _literals(annotation: Any) -> list[Any]:
    if get_origin(annotation) is Literal:
        return list(get_args(annotation))
    return [value for arg in get_args(annotation) for value in _literals(arg)]
