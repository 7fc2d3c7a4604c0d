"""The `urine_tests` read model: one row per urine test (UrineTestRecorded), with the
violation a positive result opened and its resolution (ViolationResolved) on the same row.

- `positive`: at least one substance `positive` (the test opened violation `test_id`);
  `valid`: at least one result that is not `invalid` (the positivity rate's denominator).
- `resolved_on` / `outcome`: the violation's resolution, null while it is open (and on a test
  that opened none).
- `version`: the participant's aggregate_version of the last event applied to the row.

Keyed by (prison_id, participant_id, test_id): a test id is unique per participant in a prison.
"""

from __future__ import annotations

from collections.abc import Hashable
from datetime import date
from typing import Any

import asyncpg
import orjson

from services.reporting.projections.sql import key_arrays, load_sql, upsert_sql
from shared.contract.events import UrineTestRecorded, ViolationResolved, current_version
from shared.contract.lookup import choices
from shared.projection import KeyedProjection

RECORDED, RESOLVED = UrineTestRecorded.TYPE, ViolationResolved.TYPE
KINDS, POINTS = choices(UrineTestRecorded, "kind"), choices(UrineTestRecorded, "point")
RESULTS = frozenset({"negative", "positive", "invalid"})
OUTCOMES = choices(ViolationResolved, "outcome")

DDL = """
CREATE TABLE IF NOT EXISTS urine_tests (
    prison_id text NOT NULL,
    participant_id text NOT NULL,
    test_id text NOT NULL,
    tested_on date NOT NULL,
    kind text NOT NULL,
    point text,
    program_id text,
    results jsonb NOT NULL,
    witnessed boolean NOT NULL,
    positive boolean NOT NULL,
    valid boolean NOT NULL,
    resolved_on date,
    outcome text,
    version int NOT NULL,
    PRIMARY KEY (prison_id, participant_id, test_id)
);
CREATE INDEX IF NOT EXISTS urine_tests_program_idx ON urine_tests (prison_id, program_id)
    WHERE program_id IS NOT NULL;
"""
COLUMNS = ("prison_id", "participant_id", "test_id", "tested_on", "kind", "point", "program_id",
           "results", "witnessed", "positive", "valid", "resolved_on", "outcome", "version")
_TYPES = ("text", "text", "text", "date", "text", "text", "text", "text", "bool", "bool", "bool",
          "date", "text", "int")
_KEY = ("prison_id", "participant_id", "test_id")
_SAVE = upsert_sql("urine_tests", COLUMNS, _TYPES, _KEY, {"results": "jsonb"})
_LOAD = load_sql("urine_tests", COLUMNS, _KEY)


def _one_of(value: Any, allowed: frozenset[str], what: str) -> Any:
    if value not in allowed:
        raise ValueError(f"unknown {what} {value!r}")
    return value


def _recorded(env: dict[str, Any]) -> dict[str, Any]:
    data = env["data"]
    results = data["results"]
    if not isinstance(results, dict) or set(results) != set(data["panel"]) or not results:
        raise ValueError("results are not one per substance of the panel")
    for value in results.values():
        _one_of(value, RESULTS, "result")
    point = data["point"]
    return {"prison_id": env["prison_id"], "participant_id": env["aggregate_id"],
            "test_id": data["test_id"], "tested_on": date.fromisoformat(data["tested_on"]),
            "kind": _one_of(data["kind"], KINDS, "kind"),
            "point": None if point is None else _one_of(point, POINTS, "point"),
            "program_id": data["program_id"], "results": results,
            "witnessed": data["witnessed"] is True,
            "positive": "positive" in results.values(),
            "valid": any(value != "invalid" for value in results.values()),
            "resolved_on": None, "outcome": None}


def _resolved(doc: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    if not doc["positive"]:
        raise ValueError(f"test {doc['test_id']} opened no violation")
    if doc["outcome"] is not None:
        raise ValueError(f"the violation of test {doc['test_id']} is already resolved")
    on = date.fromisoformat(data["resolved_on"])
    if on < doc["tested_on"]:
        raise ValueError(f"resolved on {on} before the test on {doc['tested_on']}")
    return {**doc, "resolved_on": on, "outcome": _one_of(data["outcome"], OUTCOMES, "outcome")}


def evolve(doc: dict[str, Any] | None, env: dict[str, Any]) -> dict[str, Any]:
    """The test's row after one event. Pure; raises (the runner parks the event) on a schema
    version it does not know, a test id recorded twice, a resolution of an unknown test, of a
    test without a positive result or of one already resolved, or an unknown enum value. An
    event at or below the row's `version` was already applied and changes nothing."""
    kind, version = env["type"], env["aggregate_version"]
    if env.get("schema_version", 1) != current_version(kind):
        raise ValueError(f"{kind} schema_version {env['schema_version']} is not understood")
    if doc is not None and version <= doc["version"]:
        return doc
    if kind == RECORDED:
        if doc is not None:
            raise ValueError(f"test {doc['test_id']} is already recorded")
        new = _recorded(env)
    elif doc is None:
        raise ValueError(f"{kind} for unknown test {env['data']['test_id']}")
    else:
        new = _resolved(doc, env["data"])
    new["version"] = version
    return new


class UrineTestsProjection(KeyedProjection):
    name = "urine_tests"
    ddl = DDL

    def key(self, envelope: dict[str, Any]) -> Hashable | None:
        if envelope["type"] not in (RECORDED, RESOLVED):
            return None
        return envelope["prison_id"], envelope["aggregate_id"], envelope["data"]["test_id"]

    def evolve(self, doc: dict[str, Any] | None, envelope: dict[str, Any]) -> dict[str, Any]:
        return evolve(doc, envelope)

    async def load(self, conn: asyncpg.Connection, keys: list[Hashable]) -> dict[Hashable, dict]:
        return {(r["prison_id"], r["participant_id"], r["test_id"]):
                {**dict(r), "results": orjson.loads(r["results"])}
                for r in await conn.fetch(_LOAD, *key_arrays(keys))}

    async def save(self, conn: asyncpg.Connection, docs: dict[Hashable, dict]) -> None:
        rows = list(docs.values())
        await conn.execute(_SAVE, *[[orjson.dumps(d[c]).decode() if c == "results" else d[c]
                                     for d in rows] for c in COLUMNS])
