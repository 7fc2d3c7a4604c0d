"""The attendance service's handlers and the command edge, on the in-memory store.

The program's events are written straight into the shared log through the store, as the
programs service would write them; this service only ever reads them.
"""

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import orjson
import pytest

from services.attendance.handlers import TABLE
from shared.command_edge import handle
from shared.envelope import WIB, CommandMeta, NewEvent, StreamId, date_instant
from shared.executor import Context, Executor
from shared.memory_store import InMemoryEventStore

PRISON = "lapas-banyuwangi"
NOW = datetime(2025, 6, 2, 3, 0, tzinfo=UTC)
TUTOR = {"name": "Mohammad Hiksan", "organization": "IPWL LRPPN-BI Banyuwangi",
         "role": "instructor"}


class Service:
    """One instance of a service: its own store (and caches) over the shared log."""

    def __init__(self, log, now=NOW):
        store = InMemoryEventStore()
        store.log = log
        self.store, self.ctx = store, Context(store, lambda: now)
        self.handlers = Executor(self.ctx, TABLE)

    async def send(self, name, data, command_id=None, expected_version=None, prison=PRISON):
        body = orjson.dumps({
            "command_id": command_id or str(uuid.uuid4()), "actor": "officer:test:rina",
            "expected_version": expected_version, "data": data})
        return await handle(self.handlers, name, f"pulih.commands.{prison}.attendance.{name}",
                            body, None)


class Programs:
    """Stands in for the programs service: appends the program's events to the shared log."""

    def __init__(self, log, prison=PRISON):
        self.store = InMemoryEventStore()
        self.store.log = log
        self.program_id = str(uuid.uuid4())
        self.stream = StreamId(prison, "program", self.program_id)

    async def write(self, kind, data, occurred_at):
        history = await self.store.load(self.stream)
        command_id = str(uuid.uuid4())
        await self.store.append(history, [NewEvent(kind, data, occurred_at)],
                                CommandMeta(command_id, "officer:test:rina", command_id))

    async def launch(self):
        await self.write("ProgramLaunched", {
            "agreement_id": str(uuid.uuid4()), "name": "Rehabilitasi sosial", "cohort": "2025-I",
            "activities": ["counseling", "skills_training"], "starts_on": "2025-03-03",
            "ends_on": "2025-08-29", "capacity": 20}, date_instant("2025-03-03"))
        return self

    async def enrol(self, pid, occurred_at):
        day = datetime.fromisoformat(occurred_at).astimezone(WIB).date().isoformat()
        await self.write("ParticipantEnrolled", {"participant_id": pid, "enrolled_on": day},
                         occurred_at)

    async def withdraw(self, pid, occurred_at):
        day = datetime.fromisoformat(occurred_at).astimezone(WIB).date().isoformat()
        await self.write("ParticipantWithdrawn", {"participant_id": pid, "withdrawn_on": day,
                                                  "reason": "released", "note": None},
                         occurred_at)


def holding(session_id, program_id, pids, held_at="2025-03-10T09:00:00+07:00", **over):
    return {"session_id": session_id, "program_id": program_id, "held_at": held_at,
            "duration_minutes": 90, "activity": "counseling", "topic": "Mengenali pemicu",
            "facilitators": [TUTOR],
            "attendance": [{"participant_id": p, "status": "present"} for p in pids], **over}


def scheduling(session_id, program_id):
    return {"session_id": session_id, "program_id": program_id, "activity": "skills_training",
            "scheduled_for": "2025-06-09T09:00:00+07:00", "topic": "Membatik"}


@pytest.fixture
def log():
    return []


@pytest.fixture
def service(log):
    return Service(log)


@pytest.fixture
async def program(log):
    programs = await Programs(log).launch()
    programs.cohort = [str(uuid.uuid4()) for _ in range(3)]
    for pid in programs.cohort:
        await programs.enrol(pid, date_instant("2025-03-03"))
    return programs


async def test_hold_then_correct(service, program, log):
    session = str(uuid.uuid4())
    held = await service.send("HoldSession", holding(session, program.program_id, program.cohort))
    assert held["ok"] and held["aggregate_version"] == 1
    assert held["events"][0]["type"] == "SessionHeld" and held["events"][0]["seq"] == len(log)
    envelope = log[-1].envelope
    assert envelope["aggregate_type"] == "session" and envelope["aggregate_id"] == session
    assert envelope["occurred_at"] == "2025-03-10T09:00:00+07:00"
    assert "session_id" not in envelope["data"]
    corrected = await service.send("CorrectAttendance", {
        "session_id": session, "participant_id": program.cohort[1], "status": "late",
        "reason": "Datang terlambat dari klinik"}, expected_version=1)
    assert corrected["ok"] and corrected["aggregate_version"] == 2
    assert [r.type for r in log[-2:]] == ["SessionHeld", "AttendanceCorrected"]


async def test_schedule_then_cancel(service, program):
    session = str(uuid.uuid4())
    assert (await service.send("ScheduleSession", scheduling(session, program.program_id)))["ok"]
    cancelled = await service.send("CancelSession", {"session_id": session, "reason": "Libur"})
    assert cancelled["ok"] and cancelled["aggregate_version"] == 2


async def test_personal_data_is_invalid_and_not_echoed(service, program, log):
    data = holding(str(uuid.uuid4()), program.program_id, program.cohort)
    data["attendance"][0]["name"] = "Andi Saputra"
    before = len(log)
    reply = await service.send("HoldSession", data)
    assert reply["error"]["code"] == "invalid"
    assert "data.attendance.0.name" in {d["field"] for d in reply["error"]["details"]}
    assert "Andi Saputra" not in orjson.dumps(reply).decode() and len(log) == before


async def test_unknown_session_is_not_found(service, log):
    reply = await service.send("CancelSession", {"session_id": str(uuid.uuid4()), "reason": "x"})
    assert reply["error"]["code"] == "not_found" and log == []


async def test_stale_expected_version_is_a_conflict(service, program, log):
    session = str(uuid.uuid4())
    await service.send("ScheduleSession", scheduling(session, program.program_id))
    before = len(log)
    reply = await service.send("CancelSession", {"session_id": session, "reason": "x"},
                               expected_version=0)
    assert reply["error"]["code"] == "conflict" and len(log) == before


async def test_roster_rule_names_the_participants(service, program, log):
    stranger = str(uuid.uuid4())
    before = len(log)
    reply = await service.send("HoldSession", holding(
        str(uuid.uuid4()), program.program_id, [*program.cohort[:2], stranger]))
    error = reply["error"]
    assert error["code"] == "rule" and len(log) == before
    assert {d["message"] for d in error["details"]} == {
        f"{stranger} never enrolled in this program",
        f"{program.cohort[2]} was active in the program at held_at but is not listed"}


async def test_a_program_of_another_prison_is_not_found_here(service, log):
    elsewhere = await Programs(log, prison="lapas-jember").launch()
    pid = str(uuid.uuid4())
    await elsewhere.enrol(pid, date_instant("2025-03-03"))
    reply = await service.send("HoldSession", holding(str(uuid.uuid4()), elsewhere.program_id,
                                                      [pid]))
    assert reply["error"]["code"] == "rule" and "not found in this prison" in \
        reply["error"]["message"]


async def test_retry_returns_the_same_success(service, program, log):
    session, command_id = str(uuid.uuid4()), str(uuid.uuid4())
    data = holding(session, program.program_id, program.cohort)
    first = await service.send("HoldSession", data, command_id, 0)
    before = len(log)
    again = await service.send("HoldSession", data, command_id, 0)
    assert first == again and len(log) == before


async def test_two_instances_holding_one_session_write_it_once(program, log):
    a, b = Service(log), Service(log)
    session = str(uuid.uuid4())
    replies = await asyncio.gather(*(
        s.send("HoldSession", holding(session, program.program_id, program.cohort))
        for s in (a, b)))
    assert sorted(r["ok"] for r in replies) == [False, True]
    loser = next(r for r in replies if not r["ok"])
    assert loser["error"]["code"] == "rule" and "already held" in loser["error"]["message"]
    assert sum(r.type == "SessionHeld" for r in log) == 1


async def test_read_your_writes_enrol_or_withdraw_then_hold_at_once(service, program, log):
    """Each enrolment or withdrawal is acknowledged, then a session is held right away: the
    attendance service, whose caches already hold the program, must see the change."""
    expected = set(program.cohort)
    start = datetime(2025, 4, 7, 8, 0, tzinfo=WIB)
    for i in range(12):
        t = start + timedelta(days=i)
        if i % 3 == 2:
            leaving = sorted(expected)[0]
            await program.withdraw(leaving, t.isoformat())
            expected.discard(leaving)
        else:
            joining = str(uuid.uuid4())
            await program.enrol(joining, t.isoformat())
            expected.add(joining)
        reply = await service.send("HoldSession", holding(
            str(uuid.uuid4()), program.program_id, sorted(expected),
            held_at=(t + timedelta(minutes=30)).isoformat()))
        assert reply["ok"], reply
