"""Compatibility names for the tools: the contract's event schemas now live in
`shared.contract` (one typed model per stored event type and version); this module only
re-exports them under their old names."""

from shared.contract.events import *  # noqa: F403  (every event model, by its stored name)
from shared.contract.events import EVENT_AGGREGATES, EVENT_SCHEMAS, latest_versions
from shared.contract.events.agreement import EventPartner, EventSignatory
from shared.contract.events.session import EventFacilitator, EventMark
from shared.contract.registry import StoredModel as _Model
from shared.contract.registry import register
from shared.contract.validation import Envelope, validate
from shared.fields import SLUG_PATTERN, UUID_PATTERN

__all__ = [
    "EVENT_AGGREGATES", "EVENT_SCHEMAS", "SLUG_PATTERN", "UUID_PATTERN", "Envelope",
    "EventFacilitator", "EventMark", "EventPartner", "EventSignatory", "_Model",
    "latest_versions", "register", "validate",
]
