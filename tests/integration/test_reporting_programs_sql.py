"""The programs, memberships and sessions projections and `/programs/{id}` against PostgreSQL."""

import uuid
from datetime import date

import asyncpg
import orjson
import pytest

from services.reporting.projections import projections
from services.reporting.read.live import LiveReadModel
from services.reporting.read.queries import program_report
from shared.contract.events import upcast_records
from shared.projection import apply as apply_batch
from shared.store import Recorded, StoreUnavailable

pytestmark = pytest.mark.pg

PRISON = "lapas-banyuwangi"
AGREEMENT = "0b7d6c1e-0000-4000-8000-000000000001"
PA, PB, PC, UNKNOWN = (f"5a1c0000-0000-4000-8000-00000000000{i}" for i in range(1, 5))
P1, P2, P3, P4, P5, P6, P9, Q1 = (f"9a000000-0000-4000-8000-00000000000{i}"
                                  for i in (1, 2, 3, 4, 5, 6, 9, 8))
S1, S2, S3, S4, S5, S6 = (f"5e550000-0000-4000-8000-00000000000{i}" for i in range(1, 7))


class Log:
    """Hands out stream sequences and per-aggregate versions, like the event log would."""

    def __init__(self):
        self.seq, self.versions = 0, {}

    def __call__(self, aggregate_type, aggregate_id, type_, data, occurred_at):
        self.seq += 1
        self.versions[aggregate_id] = version = self.versions.get(aggregate_id, 0) + 1
        command_id = str(uuid.uuid4())
        return Recorded(self.seq, {
            "event_id": str(uuid.uuid4()), "type": type_, "schema_version": 1,
            "prison_id": PRISON, "aggregate_type": aggregate_type, "aggregate_id": aggregate_id,
            "aggregate_version": version, "occurred_at": occurred_at,
            "recorded_at": "2025-07-01T03:00:00.000000+00:00",
            "actor": f"officer:{PRISON}:rina", "command_id": command_id,
            "correlation_id": command_id, "causation_id": None, "prev_hash": "", "hash": "",
            "data": data})

    def program(self, program_id, type_, **data):
        day = next(v for k, v in data.items() if k.endswith("_on"))
        return self("program", program_id, type_, data, f"{day}T00:00:00+07:00")

    def launch(self, program_id, starts_on="2025-01-06"):
        return self.program(program_id, "ProgramLaunched", starts_on=starts_on,
                            agreement_id=AGREEMENT, name=f"Program {program_id[-1]}",
                            cohort="2025-A", activities=["counseling", "skills_training"],
                            ends_on="2025-06-30", capacity=20)

    def enrol(self, program_id, pid, on):
        return self.program(program_id, "ParticipantEnrolled", participant_id=pid, enrolled_on=on)

    def withdraw(self, program_id, pid, on, reason):
        return self.program(program_id, "ParticipantWithdrawn", participant_id=pid,
                            withdrawn_on=on, reason=reason, note="")

    def complete(self, program_id, pid, on):
        return self.program(program_id, "ParticipantCompleted", participant_id=pid,
                            completed_on=on)

    def schedule(self, sid, program_id, at):
        return self("session", sid, "SessionScheduled", {
            "program_id": program_id, "scheduled_for": at, "activity": "counseling",
            "topic": "Rencana", "facilitators": []}, at)

    def hold(self, sid, program_id, at, marks, minutes=90, activity="counseling"):
        return self("session", sid, "SessionHeld", {
            "program_id": program_id, "held_at": at, "duration_minutes": minutes,
            "activity": activity, "topic": "Relaps", "facilitators": [
                {"name": "Budi", "organization": "Yayasan Gennesa", "role": "counselor"}],
            "attendance": [{"participant_id": p, "status": s} for p, s in marks.items()]}, at)

    def session(self, sid, type_, **data):
        return self("session", sid, type_, data, "2025-02-10T10:00:00+07:00")


async def apply(conn, batch):
    """What the runner does with a batch: every projection, in one transaction (the events
    upcast as its decode step does)."""
    batch = upcast_records(batch)
    async with conn.transaction():
        return [p for projection in projections()
                for p in await apply_batch(projection, conn, batch)]


def poison(log: Log) -> list[Recorded]:
    """Impossible events, each parked by the projection it concerns."""
    return [
        log.withdraw(PA, P9, "2025-02-01", "other"),        # never enrolled: memberships parks
        log.program(PA, "ProgramRenamed", renamed_on="2025-02-01", name="x"),  # unknown type
        log.session(S2, "SessionCancelled", reason="x"),    # already held: sessions parks
        log.session(S1, "AttendanceCorrected", participant_id=P9, status="present",
                    reason="x"),                            # no such mark
        log.enrol(UNKNOWN, P1, "2025-01-06"),               # a program never launched
    ]


def history(log: Log, bad: list[Recorded] | None = None) -> list[list[Recorded]]:
    """A program A with 6 participants and 6 sessions, plus programs B and C, in 3 batches;
    `bad` (given a list) receives the poison events mixed into the second batch."""
    first = [
        log.launch(PA), log.launch(PB), log.launch(PC),
        *(log.enrol(PA, p, "2025-01-06") for p in (P1, P2, P3, P4, P6)),
        log.withdraw(PA, P6, "2025-01-10", "refused"),
        # 7 Jan 09:00 WIB, recorded from a laptop in UTC: P4 absent, corrected to present below.
        log.hold(S1, PA, "2025-01-07T02:00:00+00:00",
                 {P1: "present", P2: "present", P3: "late", P4: "absent", P6: "absent"}),
        log.enrol(PA, P6, "2025-01-15"),
        log.enrol(PA, P5, "2025-01-20"),
        log.enrol(PB, Q1, "2025-01-06"),
        log.hold(S5, PB, "2025-01-08T09:00:00+07:00", {Q1: "present"}, activity="skills_training"),
    ]
    second = [
        log.hold(S2, PA, "2025-01-21T09:00:00+07:00", {
            P1: "present", P2: "excused", P3: "absent", P4: "late", P5: "present", P6: "present"}),
        log.schedule(S3, PA, "2025-01-28T09:00:00+07:00"),
        log.withdraw(PA, P2, "2025-02-01", "health"),
        log.schedule(S4, PA, "2025-02-04T09:00:00+07:00"),
    ]
    if bad is not None:
        bad += poison(log)
        second += bad
    second += [
        log.session(S3, "SessionCancelled", reason="banjir"),
        log.session(S1, "AttendanceCorrected", participant_id=P4, status="present",
                    reason="salah ketik"),
        log.hold(S4, PA, "2025-02-04T09:00:00+07:00", {
            P1: "absent", P3: "present", P4: "excused", P5: "late", P6: "present"}, minutes=120),
        log.withdraw(PA, P3, "2025-02-15", "transferred"),
    ]
    third = [
        log.enrol(PA, P2, "2025-03-01"),
        log.withdraw(PA, P6, "2025-03-01", "discipline"),
        log.schedule(S6, PA, "2025-03-04T09:00:00+07:00"),
        log.complete(PA, P1, "2025-06-30"),
        log.complete(PA, P4, "2025-06-30"),
        log.program(PA, "ProgramClosed", closed_on="2025-07-01"),
    ]
    return [first, second, third]


# Held sessions of A: S1 (P4's absent corrected to present), S2, S4; S3 cancelled, S6 only
# scheduled; S5 belongs to B. Attended (present + late) / counted (+ absent), excused left out:
# S1 4/5 (P6 absent), S2 4/5 (P3 absent, P2 excused), S4 3/4 (P1 absent, P4 excused) = 11/14.
EXPECTED_A = {
    "program_id": PA, "prison_id": PRISON, "agreement_id": AGREEMENT, "name": "Program 1",
    "cohort": "2025-A", "capacity": 20, "status": "closed",
    # P1, P4 completed; P3 withdrawn; P6 withdrawn, re-enrolled, withdrawn again; P2 withdrawn
    # then re-enrolled: active, like P5.
    "enrolled": 6, "active": 2, "completed": 2, "withdrawn": 2,
    "sessions_held": 3, "attendance_rate": 11 / 14,
}


async def test_program_figures_after_a_mixed_history(conn):
    log = Log()
    for batch in history(log):
        assert await apply(conn, batch) == []

    assert await program_report(conn, PA) == [EXPECTED_A]
    assert await program_report(conn, PB) == [{
        **EXPECTED_A, "program_id": PB, "name": "Program 2", "status": "open", "enrolled": 1,
        "active": 1, "completed": 0, "withdrawn": 0, "sessions_held": 1, "attendance_rate": 1.0}]
    assert await program_report(conn, PC) == [{
        **EXPECTED_A, "program_id": PC, "name": "Program 3", "status": "open", "enrolled": 0,
        "active": 0, "completed": 0, "withdrawn": 0, "sessions_held": 0, "attendance_rate": None}]
    assert await program_report(conn, UNKNOWN) == []


async def test_the_tables_keep_the_facts_for_dated_reports(conn):
    for batch in history(Log()):
        await apply(conn, batch)
    p6 = await conn.fetchrow("SELECT * FROM memberships WHERE participant_id = $1", P6)
    assert (p6["first_enrolled_on"], p6["enrolled_on"], p6["status"], p6["left_on"],
            p6["withdrawal_reason"]) == (date(2025, 1, 6), date(2025, 1, 15), "withdrawn",
                                         date(2025, 3, 1), "discipline")
    assert [(s["enrolled_on"], s["ended_on"], s["reason"]) for s in orjson.loads(p6["spans"])] == [
        ("2025-01-06", "2025-01-10", "refused"), ("2025-01-15", "2025-03-01", "discipline")]
    sessions = {r["session_id"]: r for r in await conn.fetch("SELECT * FROM sessions")}
    assert {s: r["status"] for s, r in sessions.items()} == {
        S1: "held", S2: "held", S3: "cancelled", S4: "held", S5: "held", S6: "scheduled"}
    assert (sessions[S1]["held_on"], sessions[S4]["duration_minutes"]) == (
        date(2025, 1, 7), 120)
    assert sessions[S4]["scheduled_for"] == sessions[S4]["held_at"]
    hours = dict(await conn.fetch(
        "SELECT activity, sum(duration_minutes) / 60.0 FROM sessions WHERE status = 'held' "
        "GROUP BY activity"))
    assert hours == {"counseling": 5, "skills_training": 1.5}
    mark = await conn.fetchrow(
        "SELECT status, corrected FROM session_marks WHERE session_id = $1 AND participant_id = $2",
        S1, P4)
    assert tuple(mark) == ("present", True)
    assert await conn.fetchval("SELECT count(*) FROM session_marks") == 17


async def test_poison_events_are_parked_and_the_batch_goes_on(conn):
    bad: list[Recorded] = []
    first, second, third = history(Log(), bad)
    assert await apply(conn, first) == []
    parked = await apply(conn, second)
    assert sorted((p.seq, p.reason.split(":")[0]) for p in parked) == [
        (bad[0].seq, "memberships"), (bad[1].seq, "programs"), (bad[2].seq, "sessions"),
        (bad[3].seq, "sessions"), (bad[4].seq, "programs")]
    assert await apply(conn, third) == []
    assert await program_report(conn, PA) == [EXPECTED_A]
    assert await program_report(conn, UNKNOWN) == []


async def test_a_replayed_history_changes_nothing(conn):
    batches = history(Log())
    for batch in batches:
        await apply(conn, batch)
    for batch in batches:  # below each row's version: already applied
        assert await apply(conn, batch) == []
    assert await program_report(conn, PA) == [EXPECTED_A]


async def test_pg_program_reads_the_given_schema(conn, database_url, schema):
    for batch in history(Log()):
        await apply(conn, batch)
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=1)
    try:
        reads = LiveReadModel(_given(pool), schema, nc=None, store=None)
        assert await reads.program(schema, PA, None) == [EXPECTED_A]
        assert await reads.program(schema, UNKNOWN, None) == []
    finally:
        await pool.close()


async def test_pg_program_reports_a_dead_server_as_unavailable():
    pool = await asyncpg.create_pool("postgresql://postgres@127.0.0.1:1/x", min_size=0)
    try:
        with pytest.raises(StoreUnavailable):
            await LiveReadModel(_given(pool), "x", nc=None, store=None).program("x", PA, None)
    finally:
        await pool.close()


def _given(pool):
    async def pool_of():
        return pool

    return pool_of
