"""The `prison` aggregate's id: one per prison, derived from its slug, so a command about a
prison never needs to carry it (`uuid5(NAMESPACE_URL, "pulih:prison:" + prison_id)`)."""

from __future__ import annotations

import uuid

AGGREGATE = "prison"


def aggregate_id(prison_id: str) -> str:
    """The id of prison `prison_id`'s own aggregate (its Kanwil and quotas)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "pulih:prison:" + prison_id))
