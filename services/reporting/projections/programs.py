"""The `programs` and `memberships` read models, folded from the `program` aggregate's events.

Every read model keys an aggregate by (prison_id, id): ids are unique within a prison only, so
one prison's events never touch another prison's rows (contract v2, Identifiers).

`programs`: one row per program (a cohort under an agreement), with its track and phase plan.
`memberships`: one row per participant per program, with every enrolment span kept in `spans`
(a participant can be withdrawn and enrolled again), so date-windowed reports can be computed
from facts in SQL; `advanced_to`/`advanced_on` are the last PhaseAdvanced of the current
enrolment (null before any: the participant is in the plan's first phase since `enrolled_on`,
which only the program row knows, so the queries resolve it). Counts are never stored: the
queries count rows.
"""

from __future__ import annotations

from collections.abc import Hashable
from datetime import date
from typing import Any

import asyncpg
import orjson

from services.reporting.projections import rollups
from services.reporting.projections.sql import (
    aggregate_key,
    array_literal,
    key_arrays,
    load_sql,
    upsert_sql,
)
from shared.contract.events import (
    ParticipantCompleted,
    ParticipantEnrolled,
    ParticipantWithdrawn,
    PhaseAdvanced,
    ProgramClosed,
    ProgramLaunched,
    current_version,
)
from shared.contract.lookup import types_of
from shared.projection import KeyedProjection

# The folds read `data` as a dict, not as the registry's typed event: decoding costs more than
# the fold itself (measured with `python -m bench.folds`). Type names come from the registry.
PROGRAM_TYPES = types_of("program")
MEMBER_TYPES = frozenset(model.TYPE for model in (ParticipantEnrolled, ParticipantWithdrawn,
                                                  ParticipantCompleted, PhaseAdvanced))
LAUNCHED, CLOSED = ProgramLaunched.TYPE, ProgramClosed.TYPE
ENROLLED, WITHDRAWN = ParticipantEnrolled.TYPE, ParticipantWithdrawn.TYPE
ADVANCED = PhaseAdvanced.TYPE

PROGRAMS_DDL = """
CREATE TABLE IF NOT EXISTS programs (
    program_id text NOT NULL,
    prison_id text NOT NULL,
    agreement_id text NOT NULL,
    name text NOT NULL,
    cohort text NOT NULL,
    capacity int NOT NULL,
    activities text[] NOT NULL,
    starts_on date NOT NULL,
    ends_on date NOT NULL,
    closed_on date,
    track text,
    planned_days int,
    phases jsonb NOT NULL,
    version int NOT NULL,
    PRIMARY KEY (prison_id, program_id)
) WITH (fillfactor = 70);
CREATE INDEX IF NOT EXISTS programs_program_idx ON programs (program_id);
CREATE INDEX IF NOT EXISTS programs_agreement_idx ON programs (prison_id, agreement_id);
CREATE INDEX IF NOT EXISTS programs_track_idx ON programs (prison_id, track);
"""
MEMBERSHIPS_DDL = """
CREATE TABLE IF NOT EXISTS memberships (
    prison_id text NOT NULL,
    program_id text NOT NULL,
    participant_id text NOT NULL,
    first_enrolled_on date NOT NULL,
    enrolled_on date NOT NULL,
    status text NOT NULL CHECK (status IN ('active', 'completed', 'withdrawn')),
    left_on date,
    withdrawal_reason text,
    spans jsonb NOT NULL,
    advanced_to text,
    advanced_on date,
    version int NOT NULL,
    PRIMARY KEY (prison_id, program_id, participant_id)
) WITH (fillfactor = 70);
CREATE INDEX IF NOT EXISTS memberships_participant_idx ON memberships (prison_id, participant_id);
CREATE INDEX IF NOT EXISTS memberships_first_idx ON memberships
    (prison_id, program_id, first_enrolled_on);
CREATE INDEX IF NOT EXISTS memberships_left_idx ON memberships (prison_id, program_id, left_on);
CREATE INDEX IF NOT EXISTS memberships_again_idx ON memberships (prison_id, program_id, enrolled_on)
    WHERE enrolled_on > first_enrolled_on;
""" + rollups.MEMBER_MONTHS_DDL

PROGRAM_COLUMNS = ("program_id", "prison_id", "agreement_id", "name", "cohort", "capacity",
                   "activities", "starts_on", "ends_on", "closed_on", "track", "planned_days",
                   "phases", "version")
_PROGRAM_TYPES = ("text", "text", "text", "text", "text", "int",
                  "text", "date", "date", "date", "text", "int", "text", "int")
MEMBER_COLUMNS = ("prison_id", "program_id", "participant_id", "first_enrolled_on",
                  "enrolled_on", "status", "left_on", "withdrawal_reason", "spans",
                  "advanced_to", "advanced_on", "version")
_MEMBER_TYPES = ("text", "text", "text", "date", "date", "text", "date", "text", "text",
                 "text", "date", "int")


def _day(value: str) -> date:
    return date.fromisoformat(value)


def _check(env: dict[str, Any]) -> None:
    if env["type"] not in PROGRAM_TYPES:
        raise ValueError(f"unknown program event {env['type']!r}")
    if env.get("schema_version", 1) != current_version(env["type"]):  # the runner upcasts
        raise ValueError(f"{env['type']} schema_version {env['schema_version']} is not understood")


def evolve_program(doc: dict[str, Any] | None, env: dict[str, Any]) -> dict[str, Any]:
    """The program row after one event of its aggregate. Pure; raises (the runner parks the
    event) on an unknown type or schema version, a second launch, an event before the launch.

    Enrolments and their endings only move `version` here (memberships holds them). An event at
    or below `version` was already applied and changes nothing. A gap in versions is tolerated:
    it only means an earlier event was parked, which the operator sees in `parked`.
    """
    _check(env)
    kind, data, version = env["type"], env["data"], env["aggregate_version"]
    if doc is not None and version <= doc["version"]:
        return doc
    if kind == LAUNCHED:
        if doc is not None:
            raise ValueError(f"program {env['aggregate_id']} is already launched")
        return {
            "program_id": env["aggregate_id"], "prison_id": env["prison_id"],
            "agreement_id": data["agreement_id"], "name": data["name"],
            "cohort": data["cohort"], "capacity": int(data["capacity"]),
            "activities": list(data["activities"]), "starts_on": _day(data["starts_on"]),
            "ends_on": _day(data["ends_on"]), "closed_on": None,
            # v2 (a v1 launch reaches here upcast: null, null, [] — not recorded).
            "track": data["track"], "planned_days": data["planned_days"],
            "phases": [{"name": p["name"], "days": p["days"]} for p in data["phases"]],
            "version": version,
        }
    if doc is None:
        raise ValueError(f"{kind} for unknown program {env['aggregate_id']}")
    if kind == CLOSED:
        if doc["closed_on"] is not None:
            raise ValueError(f"program {env['aggregate_id']} is already closed")
        return {**doc, "closed_on": _day(data["closed_on"]), "version": version}
    return {**doc, "version": version}


def evolve_membership(doc: dict[str, Any] | None, env: dict[str, Any]) -> dict[str, Any]:
    """One participant's membership of one program after an event naming them. Pure; raises on
    an enrolment of someone already active, or an ending of someone not active.

    `version` is the program's aggregate_version of the last event applied to this row; events
    at or below it are redeliveries. The current status is the latest span's.
    """
    _check(env)
    kind, data, version = env["type"], env["data"], env["aggregate_version"]
    if kind not in MEMBER_TYPES:
        raise ValueError(f"{kind} is not about a participant")
    if doc is not None and version <= doc["version"]:
        return doc
    who = f"participant {data['participant_id']} of program {env['aggregate_id']}"
    if kind == ENROLLED:
        if doc is not None and doc["status"] == "active":
            raise ValueError(f"{who} is already active")
        on = _day(data["enrolled_on"])
        spans = [*(doc["spans"] if doc else []),
                 {"enrolled_on": on.isoformat(), "ended_on": None, "outcome": None,
                  "reason": None}]
        return {
            "prison_id": env["prison_id"], "program_id": env["aggregate_id"],
            "participant_id": data["participant_id"],
            "first_enrolled_on": doc["first_enrolled_on"] if doc else on, "enrolled_on": on,
            "status": "active", "left_on": None, "withdrawal_reason": None, "spans": spans,
            "advanced_to": None, "advanced_on": None, "version": version,
        }
    if doc is None or doc["status"] != "active":
        raise ValueError(f"{kind}: {who} is not active")
    if kind == ADVANCED:
        return {**doc, "advanced_to": data["phase"], "advanced_on": _day(data["advanced_on"]),
                "version": version}
    if kind == WITHDRAWN:
        outcome, on, reason = "withdrawn", _day(data["withdrawn_on"]), data["reason"]
    else:
        outcome, on, reason = "completed", _day(data["completed_on"]), None
    last = {**doc["spans"][-1], "ended_on": on.isoformat(), "outcome": outcome, "reason": reason}
    return {**doc, "status": outcome, "left_on": on, "withdrawal_reason": reason,
            "spans": [*doc["spans"][:-1], last], "version": version}


def _cell(column: str, value: Any) -> Any:
    if column == "activities":
        return array_literal(value)
    return orjson.dumps(value).decode() if column == "phases" else value


class ProgramsProjection(KeyedProjection):
    name = "programs"
    ddl = PROGRAMS_DDL
    _save = upsert_sql("programs", PROGRAM_COLUMNS, _PROGRAM_TYPES, ("prison_id", "program_id"),
                       {"activities": "text[]", "phases": "jsonb"})
    _load = load_sql("programs", PROGRAM_COLUMNS, ("prison_id", "program_id"))

    def key(self, envelope: dict[str, Any]) -> Hashable | None:
        return aggregate_key(envelope) if envelope["aggregate_type"] == "program" else None

    def evolve(self, doc: dict[str, Any] | None, envelope: dict[str, Any]) -> dict[str, Any]:
        return evolve_program(doc, envelope)

    async def load(self, conn: asyncpg.Connection, keys: list[Hashable]) -> dict[Hashable, dict]:
        rows = await conn.fetch(self._load, *key_arrays(keys))
        return {(r["prison_id"], r["program_id"]): {
            **dict(r), "activities": list(r["activities"]), "phases": orjson.loads(r["phases"])}
            for r in rows}

    async def save(self, conn: asyncpg.Connection, docs: dict[Hashable, dict]) -> None:
        rows = list(docs.values())
        await conn.execute(self._save, *[[_cell(c, d[c]) for d in rows] for c in PROGRAM_COLUMNS])


class MembershipsProjection(KeyedProjection):
    name = "memberships"
    ddl = MEMBERSHIPS_DDL
    _key = ("prison_id", "program_id", "participant_id")
    _save = upsert_sql("memberships", MEMBER_COLUMNS, _MEMBER_TYPES, _key, {"spans": "jsonb"})
    _load = load_sql("memberships", MEMBER_COLUMNS, _key)

    def key(self, envelope: dict[str, Any]) -> Hashable | None:
        if envelope["aggregate_type"] != "program" or envelope["type"] not in MEMBER_TYPES:
            return None  # other program events, unknown ones included, are ProgramsProjection's
        return *aggregate_key(envelope), envelope["data"]["participant_id"]

    def evolve(self, doc: dict[str, Any] | None, envelope: dict[str, Any]) -> dict[str, Any]:
        return evolve_membership(doc, envelope)

    async def load(self, conn: asyncpg.Connection, keys: list[Hashable]) -> dict[Hashable, dict]:
        rows = await conn.fetch(self._load, *key_arrays(keys))
        return {(r["prison_id"], r["program_id"], r["participant_id"]):
                {**dict(r), "spans": orjson.loads(r["spans"])} for r in rows}

    async def save(self, conn: asyncpg.Connection, docs: dict[Hashable, dict]) -> None:
        rows = list(docs.values())
        await conn.execute(self._save, *[
            [orjson.dumps(d[c]).decode() if c == "spans" else d[c] for d in rows]
            for c in MEMBER_COLUMNS])
        # A re-enrolment clears `left_on`: the month of every span's end may have changed.
        await rollups.refresh(conn, rollups.REFRESH_MEMBERS, [
            (d["prison_id"], d["program_id"], day) for d in rows
            for day in (d["first_enrolled_on"], *(date.fromisoformat(s["ended_on"])
                                                  for s in d["spans"] if s["ended_on"]))])
