"""The `participants`, `releases` and `assessments` read models, from the participant events.

- `participants`: one row per participant: prison, case type, admission, whether in custody,
  how many releases so far and the latest release's date and type (then `conditional`,
  `to_prison_id`, `died_on`: see `custody.py`).
- `releases`: one row per release, numbered per participant (`n` = 1, 2, …), with the
  readmission that ended it (`readmitted_on`, null while still out). A participant released,
  readmitted and released again has two rows: every release and readmission is kept. A
  transfer is a row of type `transfer`; a revocation ends a row with `revoked_on` (custody.py).
- `assessments`: one row per AssessmentRecorded (v2: with `assessor_role`, null when not
  recorded); `version` (the participant's aggregate_version) orders assessments recorded for
  the same day. Older schema versions reach this projection upcast by the runner.

One projection feeds the three tables, so a participant's events are checked against one state
(a readmission needs a release before it) and each table is written with one statement per batch.
"""

from __future__ import annotations

import math
from collections.abc import Hashable
from datetime import date
from typing import Any

import asyncpg

from services.reporting.projections import custody, outcomes
from services.reporting.projections.sql import (
    aggregate_key,
    key_arrays,
    load_sql,
    upsert_sql,
)
from shared.contract.events import (
    AssessmentRecorded,
    ParticipantReadmitted,
    ParticipantRegistered,
    ParticipantReleased,
    current_version,
)
from shared.contract.lookup import choices, types_of
from shared.projection import KeyedProjection

# The fold reads `data` as a dict, not as the registry's typed event: decoding costs more than
# the fold itself (measured with `python -m bench.folds`). What it checks comes from the registry.
PARTICIPANT_TYPES = types_of("participant")
REGISTERED, RELEASED = ParticipantRegistered.TYPE, ParticipantReleased.TYPE
READMITTED, ASSESSED = ParticipantReadmitted.TYPE, AssessmentRecorded.TYPE
CASE_TYPES = choices(ParticipantRegistered, "case_type")
INSTRUMENTS = choices(AssessmentRecorded, "instrument")
PHASES = choices(AssessmentRecorded, "phase")
RELEASE_TYPES = choices(ParticipantReleased, "release_type")

DDL = """
CREATE TABLE IF NOT EXISTS participants (
    participant_id text NOT NULL,
    prison_id text NOT NULL,
    case_type text NOT NULL,
    admitted_on date NOT NULL,
    in_custody boolean NOT NULL,
    releases int NOT NULL,
    released_on date,
    release_type text,
    custody_since date NOT NULL,
    version int NOT NULL,
    conditional boolean,
    to_prison_id text,
    died_on date,
    PRIMARY KEY (prison_id, participant_id)
) WITH (fillfactor = 70);
CREATE TABLE IF NOT EXISTS releases (
    participant_id text NOT NULL,
    n int NOT NULL,
    prison_id text NOT NULL,
    released_on date NOT NULL,
    release_type text NOT NULL,
    readmitted_on date,
    conditional boolean,
    to_prison_id text,
    revoked_on date,
    returned_on date,
    PRIMARY KEY (prison_id, participant_id, n)
);
CREATE TABLE IF NOT EXISTS assessments (
    participant_id text NOT NULL,
    version int NOT NULL,
    prison_id text NOT NULL,
    program_id text,
    instrument text NOT NULL,
    phase text NOT NULL,
    score float8 NOT NULL,
    assessed_on date NOT NULL,
    assessor_role text,
    PRIMARY KEY (prison_id, participant_id, version)
);
CREATE INDEX IF NOT EXISTS assessments_program_idx
    ON assessments (prison_id, program_id, instrument, participant_id)
    WHERE program_id IS NOT NULL;
"""
DDL += custody.DDL + outcomes.DDL

COLUMNS = ("participant_id", "prison_id", "case_type", "admitted_on", "in_custody", "releases",
           "released_on", "release_type", "custody_since", "version", *custody.COLUMNS)
_TYPES = ("text", "text", "text", "date", "bool", "int", "date", "text", "date", "int",
          *custody.TYPES)
RELEASE_COLUMNS = ("participant_id", "n", "prison_id", "released_on", "release_type",
                   "readmitted_on", *custody.RELEASE_COLUMNS)
_RELEASE_TYPES = ("text", "int", "text", "date", "text", "date", *custody.RELEASE_TYPES)
ASSESSMENT_COLUMNS = ("participant_id", "version", "prison_id", "program_id", "instrument",
                      "phase", "score", "assessed_on", "assessor_role")
_ASSESSMENT_TYPES = ("text", "int", "text", "text", "text", "text", "float8", "date", "text")

# A participant_id is the person's pseudonym in every prison: each prison's rows are that
# person's stays there, keyed by (prison_id, participant_id).
_KEY = ("prison_id", "participant_id")
_SAVE = upsert_sql("participants", COLUMNS, _TYPES, _KEY)
_SAVE_RELEASES = upsert_sql("releases", RELEASE_COLUMNS, _RELEASE_TYPES, (*_KEY, "n"))
_SAVE_ASSESSMENTS = upsert_sql("assessments", ASSESSMENT_COLUMNS, _ASSESSMENT_TYPES,
                               (*_KEY, "version"))
_LOAD = load_sql("participants", COLUMNS, _KEY)

# Facts a batch adds, carried in the document until `save` writes them; never loaded back.
NEW_RELEASES, NEW_ASSESSMENTS = "new_releases", "new_assessments"
NEW_STAY = "new_stay"  # registered in this batch: a return after the person's other releases


def _day(value: Any) -> date:
    return date.fromisoformat(value)


def _one_of(value: Any, allowed: frozenset[str], what: str) -> str:
    if value not in allowed:
        raise ValueError(f"unknown {what} {value!r}")
    return value


def _score(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"score {value!r} is not a finite number")
    return float(value)


def _registered(env: dict[str, Any]) -> dict[str, Any]:
    data = env["data"]
    admitted_on = _day(data["admitted_on"])
    return {"participant_id": env["aggregate_id"], "prison_id": env["prison_id"],
            "case_type": _one_of(data["case_type"], CASE_TYPES, "case_type"),
            "admitted_on": admitted_on, "in_custody": True, "releases": 0, "released_on": None,
            "release_type": None, "custody_since": admitted_on, **custody.REGISTERED,
            NEW_RELEASES: {}, NEW_ASSESSMENTS: [], NEW_STAY: True}


def _released(doc: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    on = _day(data["released_on"])
    if not doc["in_custody"]:
        raise ValueError(f"participant {doc['participant_id']} is already released")
    if on < doc["custody_since"]:
        raise ValueError(f"released on {on} before custody since {doc['custody_since']}")
    out = {**doc, "in_custody": False, "releases": doc["releases"] + 1, "released_on": on,
           "release_type": _one_of(data["release_type"], RELEASE_TYPES, "release_type"),
           "conditional": custody.conditional(data), "to_prison_id": data.get("to_prison_id")}
    out[NEW_RELEASES] = {**doc[NEW_RELEASES], out["releases"]: custody.release_row(out, None)}
    return out


def _readmitted(doc: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    on = _day(data["readmitted_on"])
    if doc["in_custody"]:
        raise ValueError(f"participant {doc['participant_id']} is in custody: no release to end")
    if on < doc["released_on"]:
        raise ValueError(f"readmitted on {on} before the release on {doc['released_on']}")
    out = {**doc, "in_custody": True, "custody_since": on}
    out[NEW_RELEASES] = {**doc[NEW_RELEASES], doc["releases"]: custody.release_row(doc, on)}
    return out


def _assessed(doc: dict[str, Any], env: dict[str, Any]) -> dict[str, Any]:
    data = env["data"]
    program_id, role = data.get("program_id"), data["assessor_role"]
    if program_id is not None and not isinstance(program_id, str):
        raise ValueError(f"program_id {program_id!r} is not a string")
    if role is not None and not isinstance(role, str):
        raise ValueError(f"assessor_role {role!r} is not a string")
    row = {"participant_id": doc["participant_id"], "version": env["aggregate_version"],
           "prison_id": doc["prison_id"], "program_id": program_id,
           "instrument": _one_of(data["instrument"], INSTRUMENTS, "instrument"),
           "phase": _one_of(data["phase"], PHASES, "phase"), "score": _score(data["score"]),
           "assessed_on": _day(data["assessed_on"]), "assessor_role": role}
    return {**doc, NEW_ASSESSMENTS: [*doc[NEW_ASSESSMENTS], row]}


def evolve(doc: dict[str, Any] | None, env: dict[str, Any]) -> dict[str, Any]:
    """The participant after one event, with the release and assessment rows it adds. Pure;
    raises (the runner parks the event) on an unknown type or schema version, a second
    registration, an event before the registration or after a death, a release or transfer
    while released, a readmission while in custody or dated before the release, a revocation
    without a conditional release, an unknown enum value, a score that is not a finite number.

    An event at or below `version` was already applied and changes nothing. A gap in versions
    is tolerated: it only means an earlier event was parked, which `parked` shows.
    """
    kind, version = env["type"], env["aggregate_version"]
    if kind not in PARTICIPANT_TYPES:
        raise ValueError(f"unknown participant event {kind!r}")
    if env.get("schema_version", 1) != current_version(kind):  # the runner upcast older ones
        raise ValueError(f"{kind} schema_version {env['schema_version']} is not understood")
    if doc is not None and version <= doc["version"]:
        return doc
    if kind == REGISTERED:
        if doc is not None:
            raise ValueError(f"participant {env['aggregate_id']} is already registered")
        new = _registered(env)
    elif doc is None:
        raise ValueError(f"{kind} for unknown participant {env['aggregate_id']}")
    elif doc["died_on"] is not None:
        raise ValueError(f"{kind} after the death of participant {env['aggregate_id']}")
    elif kind == RELEASED:
        new = _released(doc, env["data"])
    elif kind == READMITTED:
        new = _readmitted(doc, env["data"])
    elif kind == custody.TRANSFERRED:
        new = _released(doc, custody.as_release(env["data"]))
    elif kind == custody.REVOKED:
        new = custody.revoked(doc, env["data"])
    elif kind == custody.DIED:
        new = custody.died(doc, env["data"])
    elif kind == ASSESSED:
        new = _assessed(doc, env)
    else:  # the participant's other events feed other read models (urine.py, intake.py)
        new = dict(doc)
    new["version"] = version
    return new


class ParticipantsProjection(KeyedProjection):
    name = "participants"
    ddl = DDL

    def key(self, envelope: dict[str, Any]) -> Hashable | None:
        return aggregate_key(envelope) if envelope["aggregate_type"] == "participant" else None

    def evolve(self, doc: dict[str, Any] | None, envelope: dict[str, Any]) -> dict[str, Any]:
        return evolve(doc, envelope)

    async def load(self, conn: asyncpg.Connection, keys: list[Hashable]) -> dict[Hashable, dict]:
        # No `SET plan_cache_mode` here: the runner sets it for the whole batch transaction.
        return {(r["prison_id"], r["participant_id"]):
                {**dict(r), NEW_RELEASES: {}, NEW_ASSESSMENTS: [], NEW_STAY: False}
                for r in await conn.fetch(_LOAD, *key_arrays(keys))}

    async def save(self, conn: asyncpg.Connection, docs: dict[Hashable, dict]) -> None:
        rows = list(docs.values())
        await conn.execute(_SAVE, *[[d[c] for d in rows] for c in COLUMNS])
        releases = [r for d in rows for r in d[NEW_RELEASES].values()]
        if releases:
            await conn.execute(_SAVE_RELEASES,
                               *[[r[c] for r in releases] for c in RELEASE_COLUMNS])
        assessments = [a for d in rows for a in d[NEW_ASSESSMENTS]]
        if assessments:
            await conn.execute(_SAVE_ASSESSMENTS,
                               *[[a[c] for a in assessments] for c in ASSESSMENT_COLUMNS])
        await outcomes.refresh_pairs(conn, ((a["prison_id"], a["participant_id"])
                                            for a in assessments))
        await outcomes.refresh_returns(conn, (d["participant_id"] for d in rows
                                              if d[NEW_RELEASES] or d[NEW_STAY]))
