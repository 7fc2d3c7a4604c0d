"""The `intake` read model: one row per stay of a participant (admission, then each
readmission), with its intake pipeline (issue 13 §1): screening, referral, conclusion and how
it ended (placed, waitlisted, refused, ineligible). A stay not (yet) screened has a row with a
null `screened_on`. `GET /intake` counts these rows (services/reporting/read/intake.py).

A readmission ends the row of the stay before and starts the next one; both are written, even
in one batch. Older schema versions reach this projection upcast by the runner.
"""

from __future__ import annotations

from collections.abc import Hashable
from datetime import date
from typing import Any

import asyncpg

from services.reporting.projections.sql import aggregate_key, key_arrays, upsert_sql
from shared.contract.events import (
    AssessmentConcluded,
    ParticipantFoundIneligible,
    ParticipantReadmitted,
    ParticipantRegistered,
    ParticipantWaitlisted,
    PlacementDecided,
    PlacementRefused,
    ReferredForAssessment,
    ScreeningRecorded,
    current_version,
)
from shared.contract.lookup import choices
from shared.projection import KeyedProjection

RISKS = choices(ScreeningRecorded, "risk")
TRACKS = choices(PlacementDecided, "track")
SETTINGS = choices(PlacementDecided, "setting")

DDL = """
CREATE TABLE IF NOT EXISTS intake (
    participant_id text NOT NULL,
    stay int NOT NULL,
    prison_id text NOT NULL,
    admitted_on date NOT NULL,
    screened_on date,
    risk text,
    referred_on date,
    concluded_on date,
    recommended_track text,
    recommended_setting text,
    outcome text,
    waitlisted_on date,
    decided_on date,
    track text,
    setting text,
    ended_on date,
    version int NOT NULL,
    PRIMARY KEY (prison_id, participant_id, stay)
);
CREATE INDEX IF NOT EXISTS intake_screened_idx ON intake (screened_on, prison_id)
    WHERE screened_on IS NOT NULL;
"""
COLUMNS = ("participant_id", "stay", "prison_id", "admitted_on", "screened_on", "risk",
           "referred_on", "concluded_on", "recommended_track", "recommended_setting", "outcome",
           "waitlisted_on", "decided_on", "track", "setting", "ended_on", "version")
_TYPES = ("text", "int", "text", "date", "date", "text", "date", "date", "text", "text", "text",
          "date", "date", "text", "text", "date", "int")
_SAVE = upsert_sql("intake", COLUMNS, _TYPES, ("prison_id", "participant_id", "stay"))
# The latest stay of each participant a batch touches.
_LOAD = (f"SELECT DISTINCT ON (prison_id, participant_id) {', '.join(COLUMNS)} FROM intake "
         "WHERE (prison_id, participant_id) IN (SELECT * FROM unnest($1::text[], $2::text[])) "
         "ORDER BY prison_id, participant_id, stay DESC")
# Rows of stays a batch ended (by a readmission), carried until `save`; never loaded back.
ENDED = "ended_stays"
STAY_START = {ParticipantRegistered.TYPE: "admitted_on",
              ParticipantReadmitted.TYPE: "readmitted_on"}


def _day(data: dict[str, Any], field: str) -> date:
    return date.fromisoformat(data[field])


def _one_of(value: Any, allowed: frozenset[str], what: str) -> str:
    if value not in allowed:
        raise ValueError(f"unknown {what} {value!r}")
    return value


def _screened(data: dict[str, Any]) -> dict[str, Any]:
    return {"screened_on": _day(data, "screened_on"), "risk": _one_of(data["risk"], RISKS, "risk")}


def _concluded(data: dict[str, Any]) -> dict[str, Any]:
    return {"concluded_on": _day(data, "concluded_on"),
            "recommended_track": _one_of(data["recommended_track"], TRACKS, "track"),
            "recommended_setting": _one_of(data["recommended_setting"], SETTINGS, "setting")}


def _placed(data: dict[str, Any]) -> dict[str, Any]:
    return {"outcome": "placed", "decided_on": _day(data, "decided_on"),
            "track": _one_of(data["track"], TRACKS, "track"),
            "setting": _one_of(data["setting"], SETTINGS, "setting")}


# event type -> (the stage a row must be at, the changes it makes)
STEPS = {
    ScreeningRecorded.TYPE: (None, _screened),
    ReferredForAssessment.TYPE: ("screened", lambda d: {"referred_on": _day(d, "referred_on")}),
    AssessmentConcluded.TYPE: ("referred", _concluded),
    ParticipantWaitlisted.TYPE: ("concluded", lambda d: {
        "outcome": "waitlisted", "waitlisted_on": _day(d, "waitlisted_on")}),
    PlacementDecided.TYPE: ("decided", _placed),
    PlacementRefused.TYPE: ("decided", lambda d: {"outcome": "refused",
                                                  "ended_on": _day(d, "refused_on")}),
    ParticipantFoundIneligible.TYPE: ("any", lambda d: {"outcome": "ineligible",
                                                        "ended_on": _day(d, "decided_on")}),
}
TYPES = frozenset(STEPS) | frozenset(STAY_START)


def _stay(env: dict[str, Any], stay: int, ended: list[dict[str, Any]]) -> dict[str, Any]:
    row = dict.fromkeys(COLUMNS)
    row.update(participant_id=env["aggregate_id"], stay=stay, prison_id=env["prison_id"],
               admitted_on=_day(env["data"], STAY_START[env["type"]]))
    return {**row, ENDED: ended}


def _open(doc: dict[str, Any], kind: str, need: str | None) -> None:
    """Refuses (parks) a step its row is not ready for: the domain never writes one."""
    outcome = doc["outcome"]
    ready = {None: doc["screened_on"] is None,
             "screened": doc["screened_on"] is not None and doc["referred_on"] is None,
             "referred": doc["referred_on"] is not None and doc["concluded_on"] is None,
             "concluded": doc["concluded_on"] is not None and outcome is None,
             "decided": doc["concluded_on"] is not None and outcome in (None, "waitlisted"),
             "any": doc["screened_on"] is not None and outcome in (None, "waitlisted")}[need]
    if not ready:
        raise ValueError(f"{kind} does not follow stay {doc['stay']}'s intake")


def evolve(doc: dict[str, Any] | None, env: dict[str, Any]) -> dict[str, Any]:
    """The participant's current stay after one event. Pure; raises (the runner parks the
    event) on an unknown schema version, a second registration, an event before it, a step
    out of order, an unknown enum value. An event at or below `version` changes nothing."""
    kind, version = env["type"], env["aggregate_version"]
    if kind not in TYPES:  # `key` passes no other
        raise ValueError(f"not an event of the intake read model: {kind!r}")
    if env.get("schema_version", 1) != current_version(kind):
        raise ValueError(f"{kind} schema_version {env['schema_version']} is not understood")
    if doc is not None and version <= doc["version"]:
        return doc
    if kind == ParticipantRegistered.TYPE:
        if doc is not None:
            raise ValueError(f"participant {env['aggregate_id']} is already registered")
        new = _stay(env, 1, [])
    elif doc is None:
        raise ValueError(f"{kind} for unknown participant {env['aggregate_id']}")
    elif kind == ParticipantReadmitted.TYPE:
        ended = {k: v for k, v in doc.items() if k != ENDED}
        new = _stay(env, doc["stay"] + 1, [*doc[ENDED], ended])
    else:
        need, change = STEPS[kind]
        _open(doc, kind, need)
        new = {**doc, **change(env["data"])}
    new["version"] = version
    return new


class IntakeProjection(KeyedProjection):
    name = "intake"
    ddl = DDL

    def key(self, envelope: dict[str, Any]) -> Hashable | None:
        if envelope["aggregate_type"] == "participant" and envelope["type"] in TYPES:
            return aggregate_key(envelope)
        return None

    def evolve(self, doc: dict[str, Any] | None, envelope: dict[str, Any]) -> dict[str, Any]:
        return evolve(doc, envelope)

    async def load(self, conn: asyncpg.Connection, keys: list[Hashable]) -> dict[Hashable, dict]:
        return {(r["prison_id"], r["participant_id"]): {**dict(r), ENDED: []}
                for r in await conn.fetch(_LOAD, *key_arrays(keys))}

    async def save(self, conn: asyncpg.Connection, docs: dict[Hashable, dict]) -> None:
        rows = [row for doc in docs.values() for row in (*doc[ENDED], doc)]
        await conn.execute(_SAVE, *[[r[c] for r in rows] for c in COLUMNS])
