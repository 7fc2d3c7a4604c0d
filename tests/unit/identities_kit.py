"""Hand-made identities.json files in the shared format of `pulih auth init` (the generator is
not needed to test the checks that read them)."""

from __future__ import annotations

from pathlib import Path

import orjson

from shared.identities import FILE

CREATED = "2025-01-01T00:00:00Z"


def officer(prison: str, name: str, key: str, created: str = CREATED) -> dict:
    return {"role": "officer", "public_key": key, "account": f"prison-{prison}",
            "prison_id": prison, "name": name, "filter": None,
            "actor": f"officer:{prison}:{name}", "created_at": created}


def member(role: str, key: str, created: str = CREATED) -> dict:
    """An identity of the PULIH account: services, reporting, admin."""
    return {"role": role, "public_key": key, "account": "PULIH", "prison_id": None,
            "name": None, "filter": None, "actor": None, "created_at": created}


def write(directory: Path, *identities: dict) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / FILE).write_bytes(orjson.dumps({"version": 1, "identities": list(identities)}))
    return directory
