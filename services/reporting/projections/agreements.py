"""The `agreements` read model: one row per cooperation agreement (PKS), folded from its events."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from datetime import date
from typing import Any

import asyncpg

from services.reporting.projections.sql import (
    aggregate_key,
    array_literal,
    key_arrays,
    load_sql,
    upsert_sql,
)
from shared.contract.events import agreement as contract
from shared.contract.lookup import types_of
from shared.projection import KeyedProjection

# The fold reads `data` as a dict, not as the registry's typed event: decoding costs more than
# the fold itself (measured with `python -m bench.folds`). Type names come from the registry.
AGREEMENT_TYPES = types_of("agreement")
SIGNED = contract.AgreementSigned.TYPE

COLUMNS = (
    "agreement_id", "prison_id", "partner_id", "partner_name", "partner_kind", "number", "title",
    "services", "signed_on", "effective_from", "effective_until", "committed_sessions_per_month",
    "renews", "extensions", "terminated_on", "expired_on", "version",
)
# The element type of each unnest() array, in COLUMNS order (`services` travels as text).
_TYPES = (
    "text", "text", "text", "text", "text", "text", "text",
    "text", "date", "date", "date", "int",
    "text", "int", "date", "date", "int",
)

# fillfactor leaves room on each page so the frequent in-place updates of a rebuild stay HOT
# (no index churn): about +30% upserts/s in bench runs.
DDL = """
CREATE TABLE IF NOT EXISTS agreements (
    agreement_id text NOT NULL,
    prison_id text NOT NULL,
    partner_id text NOT NULL,
    partner_name text NOT NULL,
    partner_kind text NOT NULL,
    number text NOT NULL,
    title text NOT NULL,
    services text[] NOT NULL,
    signed_on date NOT NULL,
    effective_from date NOT NULL,
    effective_until date NOT NULL,
    committed_sessions_per_month int,
    renews text,
    extensions int NOT NULL,
    terminated_on date,
    expired_on date,
    version int NOT NULL,
    PRIMARY KEY (prison_id, agreement_id)
) WITH (fillfactor = 70);
CREATE INDEX IF NOT EXISTS agreements_prison_idx
    ON agreements (prison_id, signed_on, agreement_id);
CREATE INDEX IF NOT EXISTS agreements_partner_idx ON agreements (partner_id);
"""

_KEY = ("prison_id", "agreement_id")
_SAVE = upsert_sql("agreements", COLUMNS, _TYPES, _KEY, {"services": "text[]"})
_LOAD = load_sql("agreements", COLUMNS, _KEY)


def _day(value: str) -> date:
    return date.fromisoformat(value)


def _signed(doc: dict | None, env: dict[str, Any]) -> dict[str, Any]:
    if doc is not None:
        raise ValueError(f"agreement {env['aggregate_id']} is already signed")
    data, partner = env["data"], env["data"]["partner"]
    return {
        "agreement_id": env["aggregate_id"],
        "prison_id": env["prison_id"],
        "partner_id": partner["id"],
        "partner_name": partner["name"],
        "partner_kind": partner["kind"],
        "number": data["number"],
        "title": data["title"],
        "services": list(data["services"]),
        "signed_on": _day(data["signed_on"]),
        "effective_from": _day(data["effective_from"]),
        "effective_until": _day(data["effective_until"]),
        "committed_sessions_per_month": data.get("committed_sessions_per_month"),
        "renews": data.get("renews"),
        "extensions": 0,
        "terminated_on": None,
        "expired_on": None,
    }


def _extended(doc: dict, data: dict) -> dict:
    # A late-recorded extension signed while in force revives an agreement already expired.
    return {**doc, "effective_until": _day(data["effective_until"]),
            "extensions": doc["extensions"] + 1, "expired_on": None}


_AMENDABLE = frozenset(contract.Changes.model_fields)


def _amended(doc: dict, data: dict) -> dict:
    changes = data["changes"]
    unknown = set(changes) - _AMENDABLE
    if unknown:  # a field we would silently drop would make the read model lie
        raise ValueError(f"unknown amendment fields {sorted(unknown)}")
    out = {**doc, **changes}
    if "services" in changes:
        out["services"] = list(changes["services"])
    return out


def _terminated(doc: dict, data: dict) -> dict:
    return {**doc, "terminated_on": _day(data["terminated_on"])}


def _expired(doc: dict, data: dict) -> dict:
    return {**doc, "expired_on": _day(data["expired_on"])}


_FOLDS: dict[str, Callable[[dict, dict], dict]] = {
    contract.AgreementExtended.TYPE: _extended,
    contract.AgreementAmended.TYPE: _amended,
    contract.AgreementTerminated.TYPE: _terminated,
    contract.AgreementExpired.TYPE: _expired,
}


def evolve(doc: dict[str, Any] | None, env: dict[str, Any]) -> dict[str, Any]:
    """The agreement row after one event. Pure; raises (so the runner parks the event) on an
    unknown type, a missing or already-signed document, or a gap in `aggregate_version`.

    An event at or below the row's version was already applied (a redelivery) and changes nothing.
    """
    version, kind = env["aggregate_version"], env["type"]
    if kind not in AGREEMENT_TYPES:
        raise ValueError(f"unknown agreement event {kind!r}")
    if doc is not None and version <= doc["version"]:
        return doc
    if kind == SIGNED:
        new = _signed(doc, env)
    elif doc is None:
        raise ValueError(f"{kind} for unknown agreement {env['aggregate_id']}")
    else:
        new = _FOLDS[kind](doc, env["data"])
    expected = 1 if doc is None else doc["version"] + 1
    if version != expected:
        raise ValueError(f"{kind} has aggregate_version {version}, expected {expected}")
    new["version"] = version
    return new


class AgreementsProjection(KeyedProjection):
    name = "agreements"
    ddl = DDL

    def key(self, envelope: dict[str, Any]) -> Hashable | None:
        return aggregate_key(envelope) if envelope["aggregate_type"] == "agreement" else None

    def evolve(self, doc: dict[str, Any] | None, envelope: dict[str, Any]) -> dict[str, Any]:
        return evolve(doc, envelope)

    async def load(self, conn: asyncpg.Connection, keys: list[Hashable]) -> dict[Hashable, dict]:
        rows = await conn.fetch(_LOAD, *key_arrays(keys))
        return {(r["prison_id"], r["agreement_id"]): dict(r) for r in rows}

    async def save(self, conn: asyncpg.Connection, docs: dict[Hashable, dict]) -> None:
        rows = list(docs.values())
        columns = [
            [array_literal(d["services"]) for d in rows] if c == "services"
            else [d[c] for d in rows]
            for c in COLUMNS
        ]
        await conn.execute(_SAVE, *columns)
