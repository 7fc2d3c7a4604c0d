"""The `sessions` read model (and its `session_marks` view), folded from the `session` events.

One row per session, scheduled, held or cancelled, with its program, activity, time (`held_at`,
and `held_on`, its WIB calendar day, for date windows), duration and attendance marks. The marks
live in the row as jsonb `{participant_id: status}`, corrections applied, with `corrected` listing
whose mark was corrected: a held session is then one row written, not one per participant (about
20x fewer rows in a rebuild, where sessions dominate the log). The view `session_marks` gives
them back as rows. AttendanceCorrected carries no program_id: marks are keyed by (prison_id,
session_id), and a session belongs to the program of that id in its own prison. Rates are never
stored: the queries compute them from the marks.
"""

from __future__ import annotations

from collections.abc import Hashable
from datetime import datetime
from typing import Any

import asyncpg
import orjson

from services.reporting.projections.sql import (
    aggregate_key,
    key_arrays,
    load_sql,
    upsert_sql,
)
from shared.contract.events import (
    SessionCancelled,
    SessionHeld,
    SessionScheduled,
    current_version,
)
from shared.contract.events.session import EventMark
from shared.contract.lookup import bounds, choices, types_of
from shared.envelope import WIB
from shared.projection import KeyedProjection

# The fold reads the envelope's `data` as a dict, not as the registry's typed event: decoding
# each event (`shared.contract.decode`) costs more than the whole fold of a session (measured
# with `python -m bench.folds`). What it knows of the events comes from the registry instead.
SESSION_TYPES = types_of("session")
SCHEDULED, HELD, CANCELLED = SessionScheduled.TYPE, SessionHeld.TYPE, SessionCancelled.TYPE
MARK_STATUSES = choices(EventMark, "status")
MINUTES = bounds(SessionHeld, "duration_minutes")

DDL = """
CREATE TABLE IF NOT EXISTS sessions (
    session_id text NOT NULL,
    prison_id text NOT NULL,
    program_id text NOT NULL,
    activity text NOT NULL,
    topic text NOT NULL,
    status text NOT NULL CHECK (status IN ('scheduled', 'held', 'cancelled')),
    scheduled_for timestamptz,
    held_at timestamptz,
    held_on date,
    duration_minutes int,
    marks jsonb NOT NULL,
    corrected jsonb NOT NULL,
    version int NOT NULL,
    PRIMARY KEY (prison_id, session_id)
) WITH (fillfactor = 70);
CREATE INDEX IF NOT EXISTS sessions_program_idx ON sessions (prison_id, program_id, held_on);
CREATE OR REPLACE VIEW session_marks AS
    SELECT s.prison_id, s.session_id, m.key AS participant_id, m.value AS status,
           s.corrected ? m.key AS corrected
    FROM sessions s CROSS JOIN LATERAL jsonb_each_text(s.marks) AS m;
"""

COLUMNS = ("session_id", "prison_id", "program_id", "activity", "topic", "status",
           "scheduled_for", "held_at", "held_on", "duration_minutes", "marks", "corrected",
           "version")
_TYPES = ("text", "text", "text", "text", "text", "text",
          "timestamptz", "timestamptz", "date", "int", "text", "text", "int")
_JSON = ("marks", "corrected")
_KEY = ("prison_id", "session_id")
_SAVE = upsert_sql("sessions", COLUMNS, _TYPES, _KEY, dict.fromkeys(_JSON, "jsonb"))
_LOAD = load_sql("sessions", COLUMNS, _KEY)


def _instant(value: str) -> datetime:
    at = datetime.fromisoformat(value)
    if at.tzinfo is None:
        raise ValueError(f"instant {value!r} has no offset")
    return at


def _status(value: str) -> str:
    if value not in MARK_STATUSES:
        raise ValueError(f"unknown attendance status {value!r}")
    return value


def _held(doc: dict | None, env: dict[str, Any]) -> dict[str, Any]:
    if doc is not None and doc["status"] != "scheduled":
        raise ValueError(f"session {env['aggregate_id']} is already {doc['status']}")
    data = env["data"]
    marks = {m["participant_id"]: m["status"] for m in data["attendance"]}
    if len(marks) != len(data["attendance"]):
        raise ValueError("a participant is marked twice")
    if not MARK_STATUSES.issuperset(marks.values()):
        raise ValueError(f"unknown attendance status in {sorted(set(marks.values()))}")
    held_at = _instant(data["held_at"])
    minutes, (least, most) = data["duration_minutes"], MINUTES
    if not isinstance(minutes, int) or not least <= minutes <= most:
        raise ValueError(f"duration_minutes {minutes!r} is not {least}..{most}")
    return {
        "session_id": env["aggregate_id"], "prison_id": env["prison_id"],
        "program_id": data["program_id"], "activity": data["activity"],
        "topic": data["topic"], "status": "held",
        "scheduled_for": doc["scheduled_for"] if doc else None,
        "held_at": held_at, "held_on": held_at.astimezone(WIB).date(),
        "duration_minutes": minutes, "marks": marks, "corrected": [],
    }


def evolve(doc: dict[str, Any] | None, env: dict[str, Any]) -> dict[str, Any]:
    """The session row and its marks after one event. Pure; raises (so the runner parks the
    event) on an unknown type or schema version, an event for a missing session, holding a
    session twice or a cancelled one, cancelling a held one, correcting a mark that is not there.

    An event at or below the row's version was already applied and changes nothing.
    """
    kind, data, version = env["type"], env["data"], env["aggregate_version"]
    if kind not in SESSION_TYPES:
        raise ValueError(f"unknown session event {kind!r}")
    if env.get("schema_version", 1) != current_version(env["type"]):  # the runner upcasts
        raise ValueError(f"{kind} schema_version {env['schema_version']} is not understood")
    if doc is not None and version <= doc["version"]:
        return doc
    if kind == SCHEDULED:
        if doc is not None:
            raise ValueError(f"session {env['aggregate_id']} already exists")
        new = {
            "session_id": env["aggregate_id"], "prison_id": env["prison_id"],
            "program_id": data["program_id"], "activity": data["activity"],
            "topic": data["topic"], "status": "scheduled",
            "scheduled_for": _instant(data["scheduled_for"]),
            "held_at": None, "held_on": None, "duration_minutes": None, "marks": {},
            "corrected": [],
        }
    elif kind == HELD:
        new = _held(doc, env)
    elif doc is None:
        raise ValueError(f"{kind} for unknown session {env['aggregate_id']}")
    elif kind == CANCELLED:
        if doc["status"] != "scheduled":
            raise ValueError(f"session {env['aggregate_id']} is {doc['status']}: not cancellable")
        new = {**doc, "status": "cancelled"}
    else:  # AttendanceCorrected
        pid = data["participant_id"]
        if doc["status"] != "held" or pid not in doc["marks"]:
            raise ValueError(f"no mark of {pid} in a held session {env['aggregate_id']}")
        corrected = doc["corrected"] if pid in doc["corrected"] else [*doc["corrected"], pid]
        new = {**doc, "marks": {**doc["marks"], pid: _status(data["status"])},
               "corrected": corrected}
    new["version"] = version
    return new


class SessionsProjection(KeyedProjection):
    name = "sessions"
    ddl = DDL

    def key(self, envelope: dict[str, Any]) -> Hashable | None:
        return aggregate_key(envelope) if envelope["aggregate_type"] == "session" else None

    def evolve(self, doc: dict[str, Any] | None, envelope: dict[str, Any]) -> dict[str, Any]:
        return evolve(doc, envelope)

    async def load(self, conn: asyncpg.Connection, keys: list[Hashable]) -> dict[Hashable, dict]:
        return {(r["prison_id"], r["session_id"]): {
                    **dict(r), "marks": orjson.loads(r["marks"]),
                    "corrected": orjson.loads(r["corrected"])}
                for r in await conn.fetch(_LOAD, *key_arrays(keys))}

    async def save(self, conn: asyncpg.Connection, docs: dict[Hashable, dict]) -> None:
        rows = list(docs.values())
        await conn.execute(_SAVE, *[
            [orjson.dumps(d[c]).decode() for d in rows] if c in _JSON else [d[c] for d in rows]
            for c in COLUMNS])
