"""The `prisons` read model, folded from the `prison` aggregate's events: one row per prison
that a region has assigned to a Kanwil or given a quota, with the latest assignment and the
targets in force (`quotas`: one {year, track, target} per (year, track), the latest wins)."""

from __future__ import annotations

from collections.abc import Hashable
from datetime import date
from typing import Any

import asyncpg
import orjson

from services.reporting.projections.sql import key_arrays, load_sql, upsert_sql
from shared.contract.events import KanwilAssigned, QuotaSet, current_version
from shared.contract.lookup import types_of
from shared.projection import KeyedProjection

PRISON_TYPES = types_of("prison")
ASSIGNED, QUOTA = KanwilAssigned.TYPE, QuotaSet.TYPE

PRISONS_DDL = """
CREATE TABLE IF NOT EXISTS prisons (
    prison_id text PRIMARY KEY,
    kanwil_id text,
    kanwil_name text,
    assigned_on date,
    quotas jsonb NOT NULL,
    version int NOT NULL
);
CREATE INDEX IF NOT EXISTS prisons_kanwil_idx ON prisons (kanwil_id);
"""
COLUMNS = ("prison_id", "kanwil_id", "kanwil_name", "assigned_on", "quotas", "version")
_TYPES = ("text", "text", "text", "date", "text", "int")


def evolve_prison(doc: dict[str, Any] | None, env: dict[str, Any]) -> dict[str, Any]:
    """The prison's row after one event of its aggregate. Pure; raises (the runner parks the
    event) on an unknown type or schema version. A redelivered event changes nothing."""
    kind, data, version = env["type"], env["data"], env["aggregate_version"]
    if kind not in PRISON_TYPES or env.get("schema_version", 1) != current_version(kind):
        raise ValueError(f"{kind} schema_version {env.get('schema_version')} is not understood")
    doc = doc or {"prison_id": env["prison_id"], "kanwil_id": None, "kanwil_name": None,
                  "assigned_on": None, "quotas": [], "version": 0}
    if version <= doc["version"]:
        return doc
    if kind == ASSIGNED:
        return {**doc, "kanwil_id": data["kanwil_id"], "kanwil_name": data["kanwil_name"],
                "assigned_on": date.fromisoformat(data["assigned_on"]), "version": version}
    others = [q for q in doc["quotas"] if (q["year"], q["track"]) != (data["year"], data["track"])]
    quota = {"year": data["year"], "track": data["track"], "target": data["target"]}
    return {**doc, "quotas": sorted([*others, quota], key=lambda q: (q["year"], q["track"])),
            "version": version}


class PrisonsProjection(KeyedProjection):
    """Keyed by prison_id: the prison aggregate's id is derived from it, one per prison."""

    name = "prisons"
    ddl = PRISONS_DDL
    _save = upsert_sql("prisons", COLUMNS, _TYPES, ("prison_id",), {"quotas": "jsonb"})
    _load = load_sql("prisons", COLUMNS, ("prison_id",))

    def key(self, envelope: dict[str, Any]) -> Hashable | None:
        return (envelope["prison_id"],) if envelope["aggregate_type"] == "prison" else None

    def evolve(self, doc: dict[str, Any] | None, envelope: dict[str, Any]) -> dict[str, Any]:
        return evolve_prison(doc, envelope)

    async def load(self, conn: asyncpg.Connection, keys: list[Hashable]) -> dict[Hashable, dict]:
        rows = await conn.fetch(self._load, *key_arrays(keys))
        return {(r["prison_id"],): {**dict(r), "quotas": orjson.loads(r["quotas"])}
                for r in rows}

    async def save(self, conn: asyncpg.Connection, docs: dict[Hashable, dict]) -> None:
        rows = list(docs.values())
        await conn.execute(self._save, *[
            [orjson.dumps(d[c]).decode() if c == "quotas" else d[c] for d in rows]
            for c in COLUMNS])
