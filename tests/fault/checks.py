"""What the fault suite compares, derived independently of Pulih's own readers.

The log is read with a plain nats-py ordered consumer and folded here into the figures the
reports must show (agreements per prison; per program: enrolled, sessions held, hours per
activity, attendance rate after corrections). The acknowledged commands are checked against
the log event by event; the live read-model is compared table by table with a from-scratch
rebuild (`pulih replay --until SEQ --into NAME`, a separate schema built by another process).
"""

from __future__ import annotations

import asyncio
import math
from collections import Counter, defaultdict
from dataclasses import dataclass

import asyncpg
import orjson
from nats.aio.client import Client

from services.reporting.read.asof import asof_schema
from shared import eventlog
from shared.envelope import STREAM
from shared.eventlog import LogMessage
from tests.fault.harness import Cluster, Figure, record
from tests.fault.load import Sent

# A reply of the services' account to a request routed by a server that has since been killed.
STALE_REPLY = ('"PULIH/nkey:', 'Publish Violation - Subject "_R_.')
NOT_READ_MODEL = {"checkpoint", "parked", "replay_info"}  # bookkeeping, stamped with times


async def read_log(nc: Client, timeout: float = 120) -> list[dict]:
    """Every envelope in the stream, in order, as stored: through the one log reader
    (`shared.eventlog.read_log`), whose named consumers are what a `reporting` identity may
    create."""
    last = (await nc.jetstream().stream_info(STREAM)).state.last_seq

    async def read() -> list[LogMessage]:
        return [m async for batch in eventlog.read_log(nc, until_seq=last) for m in batch]

    messages = await asyncio.wait_for(read(), timeout) if last else []
    assert [m.seq for m in messages] == list(range(1, last + 1)), \
        "the log has holes or was delivered out of order"
    return [orjson.loads(m.body) for m in messages]


@dataclass
class Delivered:
    """Acknowledged commands against the log."""

    events: int  # events in the log
    lost: int  # acknowledged events missing from the log (or at another sequence)
    doubled: int  # events beyond those a command produced (a repeated event_id included)
    phantom: int  # events of commands never acknowledged

    @property
    def exact(self) -> bool:
        return self.lost == self.doubled == self.phantom == 0


def delivered(sent: list[Sent], log: list[dict]) -> Delivered:
    in_log: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for seq, envelope in enumerate(log, start=1):
        in_log[envelope["command_id"]].append((seq, envelope["event_id"]))
    acked = {s.command_id: s.reply["events"] for s in sent if s.ok}
    lost = sum((e["seq"], e["event_id"]) not in in_log.get(command_id, ())
               for command_id, events in acked.items() for e in events)
    doubled = sum(max(0, len(found) - len(acked.get(command_id, found[:1])))
                  for command_id, found in in_log.items())
    phantom = sum(len(found) for command_id, found in in_log.items() if command_id not in acked)
    return Delivered(len(log), lost, doubled, phantom)


def expected_reports(log: list[dict]) -> dict[str, dict]:
    """Per prison: {"agreements": n, "programs": {program_id: figures}}, folded from the log."""
    agreements: dict[str, set[str]] = defaultdict(set)
    enrolled: dict[tuple[str, str], set[str]] = {}
    sessions: dict[tuple[str, str], dict] = {}
    for e in log:
        kind, key, data = e["type"], (e["prison_id"], e["aggregate_id"]), e["data"]
        if kind == "AgreementSigned":
            agreements[e["prison_id"]].add(e["aggregate_id"])
        elif kind == "ProgramLaunched":
            enrolled[key] = set()
        elif kind == "ParticipantEnrolled":
            enrolled[key].add(data["participant_id"])
        elif kind == "SessionHeld":
            sessions[key] = {"program": data["program_id"], "activity": data["activity"],
                             "minutes": data["duration_minutes"],
                             "marks": {m["participant_id"]: m["status"]
                                       for m in data["attendance"]}}
        elif kind == "AttendanceCorrected":
            sessions[key]["marks"][data["participant_id"]] = data["status"]
        elif kind == "SessionCancelled":
            sessions.pop(key, None)
    out: dict[str, dict] = defaultdict(lambda: {"agreements": 0, "programs": {}})
    for prison, ids in agreements.items():
        out[prison]["agreements"] = len(ids)
    for (prison, program), people in enrolled.items():
        held = [s for (p, _), s in sessions.items() if p == prison and s["program"] == program]
        hours: Counter[str] = Counter()
        marks: Counter[str] = Counter()
        for s in held:
            hours[s["activity"]] += s["minutes"]
            marks.update(s["marks"].values())
        came, counted = marks["present"] + marks["late"], marks["present"] + marks["late"] + \
            marks["absent"]
        out[prison]["programs"][program] = {
            "enrolled": len(people), "sessions_held": len(held),
            "hours_by_activity": {a: m / 60 for a, m in hours.items()},
            "attendance_rate": came / counted if counted else None}
    return dict(out)


async def report_differences(cluster: Cluster, expected: dict[str, dict]) -> list[str]:
    """Where the reporting service's HTTP reports differ from the figures folded from the log."""
    wrong = []
    for prison, want in sorted(expected.items()):
        agreements = (await cluster.http.get("/agreements", params={"prison_id": prison})).json()
        if len(agreements["items"]) != want["agreements"]:
            wrong.append(f"{prison}: {len(agreements['items'])} agreements, "
                         f"log has {want['agreements']}")
        rows = (await cluster.http.get("/evaluation", params={"prison_id": prison})).json()
        got = {r["program_id"]: r for r in rows["items"]}
        if set(got) != set(want["programs"]):
            wrong.append(f"{prison}: programs {sorted(got)} != log {sorted(want['programs'])}")
        for program, figures in want["programs"].items():
            row = got.get(program, {})
            for name, value in figures.items():
                if not _same(row.get(name), value):
                    wrong.append(f"{prison} {program} {name}: {row.get(name)!r}, log {value!r}")
    return wrong


def _same(got: object, want: object) -> bool:
    if isinstance(want, float) and isinstance(got, int | float):
        return math.isclose(got, want, rel_tol=1e-9)
    if isinstance(want, dict) and isinstance(got, dict):
        return got.keys() == want.keys() and all(_same(got[k], want[k]) for k in want)
    return got == want


async def rebuild_differences(cluster: Cluster, seq: int, name: str = "faultcheck"
                              ) -> list[str]:
    """Rebuild the read-models from scratch up to `seq` in another process and schema; the
    tables where it differs from the live read-model (both must be at `seq`)."""
    code, out = await cluster.pulih("replay", "--until", str(seq), "--into", name)
    assert code == 0, out
    conn = await asyncpg.connect(cluster.database_url)
    try:
        live, rebuilt = await _dump(conn, "readmodel"), await _dump(conn, asof_schema(name))
        await conn.execute(f'DROP SCHEMA "{asof_schema(name)}" CASCADE')
    finally:
        await conn.close()
    if set(live) != set(rebuilt):
        return [f"tables: live {sorted(live)} != rebuilt {sorted(rebuilt)}"]
    return [f"{table}: {len(live[table])} rows live, {len(rebuilt[table])} rebuilt, "
            f"{len(set(live[table]) ^ set(rebuilt[table]))} differ"
            for table in sorted(live) if live[table] != rebuilt[table]]


async def _dump(conn: asyncpg.Connection, schema: str) -> dict[str, list[str]]:
    tables = await conn.fetch(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = $1 "
        "AND table_type = 'BASE TABLE'", schema)
    return {t: sorted(r[0] for r in await conn.fetch(
                f'SELECT row_to_json(t)::text FROM "{schema}"."{t}" t'))
            for (t,) in tables if t not in NOT_READ_MODEL}


async def settle(cluster: Cluster, sent: list[Sent], figure: Figure, rebuild: bool = True,
                 stale_replies: bool = False) -> list[str]:
    """Once the load has stopped: wait until the reporting service has applied the whole log,
    then fill in `figure` and return every difference found (none when all is well):
    commands not all `ok`, events lost, doubled or never acknowledged, reports that differ from
    the log, tables that differ from a from-scratch rebuild, parked events, permission
    violations (with credentials: a component that stepped outside its identity's rights),
    events by another actor than the one the load sent. `stale_replies`: the nats-server was
    restarted, so replies to requests it delivered before (`_R_.…`, subjects of the import
    between a prison's account and the services') are refused by its successor: allowed from
    the services' account, at most one per command answered only on a retry."""
    final = await cluster.stream_last_seq()
    await cluster.caught_up(final, timeout=60)
    log = await read_log(cluster.nc)
    check = delivered(sent, log)
    figure.mode, figure.sent, figure.acked = cluster.mode, len(sent), sum(s.ok for s in sent)
    figure.retried = sum(s.attempts - 1 for s in sent)
    figure.events, figure.lost, figure.doubled = check.events, check.lost, check.doubled
    figure.note = figure.note or (f"{sum(s.attempts > 1 for s in sent)} commands answered "
                                  "only on a retry")
    problems = _violations(cluster, sent, figure, stale_replies)  # before the figure's note
    record(figure)
    problems += [f"{s.command[2]} {s.command_id}: {s.code}" for s in sent if not s.ok][:10]
    if not check.exact:
        problems.append(f"log against acknowledgements: {check}")
    health = await cluster.health()
    if any(p["parked"] for p in health["projections"].values()):
        problems.append(f"parked events: {health['projections']}")
    # Each event's actor is the one its prison's commands carried (with credentials, the one the
    # services checked against the officer the server authenticated).
    problems += [f"event {e['event_id']} by {e['actor']}" for e in log
                 if e["actor"] != cluster.route(e["prison_id"])[1]][:5]
    problems += await report_differences(cluster, expected_reports(log))
    if rebuild:
        problems += await rebuild_differences(cluster, final)
    return problems


def _violations(cluster: Cluster, sent: list[Sent], figure: Figure, stale_replies: bool
                ) -> list[str]:
    violations = cluster.violations()
    if not stale_replies:
        return violations[:5]
    stale = [v for v in violations if all(part in v for part in STALE_REPLY)]
    if stale:
        figure.note += f"; {len(stale)} replies refused by the restarted server"
    retried = sum(s.attempts > 1 for s in sent)
    extra = [f"{len(stale)} stale replies refused, more than the {retried} commands retried"]
    return [v for v in violations if v not in stale][:5] + (extra if len(stale) > retried else [])
