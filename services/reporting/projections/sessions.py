"""The `sessions` read model (and its `session_marks` view), folded from the `session` events.

One row per session, scheduled, held, cancelled or not held, with its program, activity, time
(`held_at`, and `held_on`, its WIB calendar day, for date windows), duration and attendance
marks. A session not held (SessionNotHeld) keeps `planned_for`, its WIB day `planned_on` and
`not_held_reason` (not the free-text note); one recorded not held without being scheduled has
no activity nor topic (null). A held make-up has `makeup_for`; `compliance` is jsonb
`{participant_id: compliance}` holding only the marks with one recorded, corrections
applied (SessionHeld and AttendanceCorrected are read at v2: the runner upcasts v1). The marks
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

from services.reporting.projections import rollups
from services.reporting.projections.sql import (
    aggregate_key,
    key_arrays,
    load_sql,
    upsert_sql,
)
from shared.contract.events import (
    SessionCancelled,
    SessionHeld,
    SessionNotHeld,
    SessionScheduled,
    current_version,
)
from shared.contract.events.session import EventMark, EventMarkV2
from shared.contract.lookup import bounds, choices, types_of
from shared.envelope import WIB
from shared.projection import KeyedProjection

# The fold reads the envelope's `data` as a dict, not as the registry's typed event: decoding
# each event (`shared.contract.decode`) costs more than the whole fold of a session (measured
# with `python -m bench.folds`). What it knows of the events comes from the registry instead.
SESSION_TYPES = types_of("session")
SCHEDULED, HELD, CANCELLED = SessionScheduled.TYPE, SessionHeld.TYPE, SessionCancelled.TYPE
NOT_HELD = SessionNotHeld.TYPE
MARK_STATUSES = choices(EventMark, "status")
COMPLIANCE = choices(EventMarkV2, "compliance")
NOT_HELD_REASONS = choices(SessionNotHeld, "reason")
MINUTES = bounds(SessionHeld, "duration_minutes")

DDL = """
CREATE TABLE IF NOT EXISTS sessions (
    session_id text NOT NULL,
    prison_id text NOT NULL,
    program_id text NOT NULL,
    activity text,
    topic text,
    status text NOT NULL CHECK (status IN ('scheduled', 'held', 'cancelled', 'not_held')),
    scheduled_for timestamptz,
    held_at timestamptz,
    held_on date,
    duration_minutes int,
    marks jsonb NOT NULL,
    corrected jsonb NOT NULL,
    version int NOT NULL,
    planned_for timestamptz,
    planned_on date,
    not_held_reason text,
    makeup_for text,
    compliance jsonb NOT NULL,
    attended int NOT NULL,
    counted int NOT NULL,
    compliant int NOT NULL,
    graded int NOT NULL,
    PRIMARY KEY (prison_id, session_id)
) WITH (fillfactor = 70);
CREATE INDEX IF NOT EXISTS sessions_program_idx ON sessions (prison_id, program_id, held_on);
CREATE INDEX IF NOT EXISTS sessions_not_held_idx ON sessions (prison_id, program_id, planned_on)
    WHERE status = 'not_held';
CREATE INDEX IF NOT EXISTS sessions_makeup_idx ON sessions (prison_id, program_id, held_on)
    WHERE makeup_for IS NOT NULL;
CREATE OR REPLACE VIEW session_marks AS
    SELECT s.prison_id, s.session_id, m.key AS participant_id, m.value AS status,
           s.corrected ? m.key AS corrected, s.compliance ->> m.key AS compliance
    FROM sessions s CROSS JOIN LATERAL jsonb_each_text(s.marks) AS m;
""" + rollups.SESSION_MONTHS_DDL + rollups.SESSION_TOTALS_DDL

COLUMNS = ("session_id", "prison_id", "program_id", "activity", "topic", "status",
           "scheduled_for", "held_at", "held_on", "duration_minutes", "marks", "corrected",
           "version", "planned_for", "planned_on", "not_held_reason", "makeup_for", "compliance")
_TYPES = ("text", "text", "text", "text", "text", "text",
          "timestamptz", "timestamptz", "date", "int", "text", "text", "int",
          "timestamptz", "date", "text", "text", "text")
_JSON = ("marks", "corrected", "compliance")
_KEY = ("prison_id", "session_id")
# Stored beside the marks, derived from them: what the reports and the rollup sum per session.
COUNTS = ("attended", "counted", "compliant", "graded")
_SAVE = upsert_sql("sessions", COLUMNS + COUNTS, _TYPES + ("int",) * len(COUNTS), _KEY,
                   dict.fromkeys(_JSON, "jsonb"))
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


def _compliance(value: Any) -> str | None:
    if value is not None and value not in COMPLIANCE:
        raise ValueError(f"unknown compliance {value!r}")
    return value


def _not_held(doc: dict | None, env: dict[str, Any]) -> dict[str, Any]:
    if doc is not None and doc["status"] != "scheduled":
        raise ValueError(f"session {env['aggregate_id']} is already {doc['status']}")
    data = env["data"]
    if data["reason"] not in NOT_HELD_REASONS:
        raise ValueError(f"unknown reason a session was not held {data['reason']!r}")
    planned_for = _instant(data["planned_for"])
    new = doc or {
        "session_id": env["aggregate_id"], "prison_id": env["prison_id"], "activity": None,
        "topic": None, "scheduled_for": None, "held_at": None, "held_on": None,
        "duration_minutes": None, "marks": {}, "corrected": [], "makeup_for": None,
        "compliance": {}}
    return {**new, "program_id": data["program_id"], "status": "not_held",
            "planned_for": planned_for, "planned_on": planned_for.astimezone(WIB).date(),
            "not_held_reason": data["reason"]}


def _held(doc: dict | None, env: dict[str, Any]) -> dict[str, Any]:
    if doc is not None and doc["status"] != "scheduled":
        raise ValueError(f"session {env['aggregate_id']} is already {doc['status']}")
    data = env["data"]
    marks = {m["participant_id"]: m["status"] for m in data["attendance"]}
    if len(marks) != len(data["attendance"]):
        raise ValueError("a participant is marked twice")
    if not MARK_STATUSES.issuperset(marks.values()):
        raise ValueError(f"unknown attendance status in {sorted(set(marks.values()))}")
    if data["activity"] not in rollups.ACTIVITIES:
        raise ValueError(f"unknown activity {data['activity']!r}")
    held_at = _instant(data["held_at"])
    minutes, (least, most) = data["duration_minutes"], MINUTES
    if not isinstance(minutes, int) or not least <= minutes <= most:
        raise ValueError(f"duration_minutes {minutes!r} is not {least}..{most}")
    compliance = {m["participant_id"]: _compliance(m.get("compliance"))
                  for m in data["attendance"] if m.get("compliance") is not None}
    return {
        "session_id": env["aggregate_id"], "prison_id": env["prison_id"],
        "program_id": data["program_id"], "activity": data["activity"],
        "topic": data["topic"], "status": "held",
        "scheduled_for": doc["scheduled_for"] if doc else None,
        "held_at": held_at, "held_on": held_at.astimezone(WIB).date(),
        "duration_minutes": minutes, "marks": marks, "corrected": [],
        "planned_for": None, "planned_on": None, "not_held_reason": None,
        "makeup_for": data.get("makeup_for"), "compliance": compliance,
    }


def evolve(doc: dict[str, Any] | None, env: dict[str, Any]) -> dict[str, Any]:
    """The session row and its marks after one event. Pure; raises (so the runner parks the
    event) on an unknown type or schema version, an event for a missing session, holding a
    session twice or a cancelled or not held one, cancelling a held or not held one, recording
    a held, cancelled or not held session not held, correcting a mark that is not there.

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
            "corrected": [], "planned_for": None, "planned_on": None,
            "not_held_reason": None, "makeup_for": None, "compliance": {},
        }
    elif kind == HELD:
        new = _held(doc, env)
    elif kind == NOT_HELD:
        new = _not_held(doc, env)
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
        compliance = {k: v for k, v in doc["compliance"].items() if k != pid}
        if (kept := _compliance(data.get("compliance"))) is not None:
            compliance[pid] = kept
        new = {**doc, "marks": {**doc["marks"], pid: _status(data["status"])},
               "corrected": corrected, "compliance": compliance}
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
                    "corrected": orjson.loads(r["corrected"]),
                    "compliance": orjson.loads(r["compliance"])}
                for r in await conn.fetch(_LOAD, *key_arrays(keys))}

    async def save(self, conn: asyncpg.Connection, docs: dict[Hashable, dict]) -> None:
        rows = list(docs.values())
        counts = [mark_counts(d) for d in rows]
        await conn.execute(_SAVE, *[
            [orjson.dumps(d[c]).decode() for d in rows] if c in _JSON else [d[c] for d in rows]
            for c in COLUMNS], *(list(column) for column in zip(*counts, strict=True)))
        await rollups.refresh(conn, rollups.REFRESH_SESSIONS, [
            (d["prison_id"], d["program_id"], d["held_on"] or d["planned_on"])
            for d in rows if d["status"] in ("held", "not_held")], rollups.REFRESH_SESSION_TOTALS)


def mark_counts(doc: dict[str, Any]) -> tuple[int, int, int, int]:
    """(attended, counted, compliant, graded) of a session's marks, corrections applied:
    present + late; present + late + absent; of the present and late ones, those with
    compliance `compliant`, and those with any compliance recorded. Zero unless held."""
    if doc["status"] != "held":
        return 0, 0, 0, 0
    there = [pid for pid, status in doc["marks"].items() if status in ("present", "late")]
    absent = sum(status == "absent" for status in doc["marks"].values())
    graded = [doc["compliance"][pid] for pid in there if pid in doc["compliance"]]
    return (len(there), len(there) + absent, graded.count("compliant"), len(graded))
