"""Compatibility names: upcasting lives in `shared.contract.upcasting`, its upcasters beside the
versions they join in `shared.contract.events`."""

import shared.contract.events  # noqa: F401  (registers every upcaster)
from shared.contract.upcasting import (
    CURRENT,
    UPCASTERS,
    UnknownSchemaVersion,
    UpcastError,
    current_version,
    upcast,
    upcast_records,
    upcaster,
)

__all__ = [
    "CURRENT", "UPCASTERS", "UnknownSchemaVersion", "UpcastError", "current_version", "upcast",
    "upcast_records", "upcaster",
]
