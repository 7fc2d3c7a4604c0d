"""The programs service's handlers and the command edge, on the in-memory store.

Each `Service` is one process: its own store (and so its own cache) over one shared log, as
separate instances share one JetStream stream. The agreements service is used here only to
write the agreement events the programs service reads back from the log.
"""

import asyncio
import uuid
from datetime import UTC, datetime

import orjson
import pytest

from services.agreements.handlers import TABLE as AGREEMENTS
from services.programs.handlers import TABLE as PROGRAMS
from shared.command_edge import handle
from shared.executor import Context, Executor
from shared.memory_store import InMemoryEventStore
from shared.store import StoreUnavailable

PRISON = "lapas-banyuwangi"
NOW = datetime(2025, 3, 10, 3, 0, tzinfo=UTC)
SIGNATORIES = [{"name": "A", "title": "Kalapas", "party": "prison"},
               {"name": "B", "title": "Ketua", "party": "partner"}]


class Service:
    """One instance of a service: its own handlers, store cache and clock, over `log`."""

    def __init__(self, log, service="programs", now=NOW):
        store = InMemoryEventStore()
        store.log = log
        self.service, self.store = service, store
        self.ctx = Context(store, lambda: now)
        self.handlers = Executor(self.ctx, PROGRAMS if service == "programs" else AGREEMENTS)

    async def send(self, name, data, command_id=None, expected_version=None, raw=None):
        body = raw if raw is not None else orjson.dumps({
            "command_id": command_id or str(uuid.uuid4()), "actor": "officer:test:rina",
            "expected_version": expected_version, "data": data})
        return await handle(self.handlers, name, f"pulih.commands.{PRISON}.{self.service}.{name}",
                            body, None)


def new_id() -> str:
    return str(uuid.uuid4())


def signing(agreement_id, **over):
    return {"agreement_id": agreement_id, "number": "PKS/1", "title": "Rehabilitasi sosial",
            "partner": {"id": "yayasan-gennesa", "name": "Yayasan Gennesa", "kind": "foundation"},
            "services": ["counseling", "skills_training"], "signed_on": "2025-02-19",
            "effective_from": "2025-02-19", "effective_until": "2025-04-30",
            "signatories": SIGNATORIES, "renews": None, "committed_sessions_per_month": 4} | over


def launching(program_id, agreement_id, **over):
    return {"program_id": program_id, "agreement_id": agreement_id, "name": "Rehabilitasi 2025",
            "cohort": "2025", "activities": ["counseling"], "starts_on": "2025-03-03",
            "ends_on": "2025-04-30", "capacity": 20} | over


def registering(participant_id, **over):
    return {"participant_id": participant_id, "case_type": "narcotics_user",
            "admitted_on": "2024-06-10"} | over


def enrolling(program_id, participant_id, on="2025-03-03"):
    return {"program_id": program_id, "participant_id": participant_id, "enrolled_on": on}


@pytest.fixture
def log():
    return []


@pytest.fixture
def agreements(log):
    return Service(log, "agreements")


@pytest.fixture
def programs(log):
    return Service(log)


@pytest.fixture
async def program(agreements, programs):
    """A program launched under a freshly signed agreement; its id."""
    agreement, program_id = new_id(), new_id()
    assert (await agreements.send("SignAgreement", signing(agreement)))["ok"]
    assert (await programs.send("LaunchProgram", launching(program_id, agreement)))["ok"]
    return program_id


async def test_every_command_through_the_edge(programs, program, log):
    alif, bayu = new_id(), new_id()
    replies = [
        await programs.send("RegisterParticipant", registering(alif)),
        await programs.send("RegisterParticipant", registering(bayu)),
        await programs.send("EnrollParticipant", enrolling(program, alif)),
        await programs.send("EnrollParticipant", enrolling(program, bayu)),
        await programs.send("RecordAssessment", {
            "participant_id": alif, "instrument": "ASSIST", "phase": "intake", "score": 27,
            "assessed_on": "2025-03-03", "program_id": program}),
        await programs.send("WithdrawParticipant", {
            "program_id": program, "participant_id": bayu, "withdrawn_on": "2025-03-05",
            "reason": "transferred", "note": "dipindah ke Lapas Jember"}),
        await programs.send("CompleteParticipant", {
            "program_id": program, "participant_id": alif, "completed_on": "2025-03-10"}),
        await programs.send("CloseProgram", {"program_id": program, "closed_on": "2025-03-10"}),
        await programs.send("RecordRelease", {
            "participant_id": alif, "released_on": "2025-03-10", "release_type": "parole"}),
        await programs.send("RecordReadmission", {
            "participant_id": alif, "readmitted_on": "2025-03-10"}),
    ]
    assert all(r["ok"] for r in replies), replies
    assert [r["events"][0]["type"] for r in replies] == [
        "ParticipantRegistered", "ParticipantRegistered", "ParticipantEnrolled",
        "ParticipantEnrolled", "AssessmentRecorded", "ParticipantWithdrawn",
        "ParticipantCompleted", "ProgramClosed", "ParticipantReleased", "ParticipantReadmitted"]
    assert [r["aggregate_version"] for r in replies] == [1, 1, 2, 3, 2, 4, 5, 6, 3, 4]
    subjects = {(e["aggregate_type"], e["aggregate_id"]) for e in (r.envelope for r in log)}
    assert ("participant", alif) in subjects and ("program", program) in subjects
    enrolled = next(r.envelope for r in log if r.type == "ParticipantEnrolled")
    assert enrolled["data"] == {"participant_id": alif, "enrolled_on": "2025-03-03"}
    assert enrolled["occurred_at"] == "2025-03-03T00:00:00+07:00"


async def test_launch_right_after_the_sign_reply_succeeds(agreements, programs):
    # Read-your-writes: no sleep, no projection; the decision reads the agreement from the log.
    for _ in range(50):
        agreement, program_id = new_id(), new_id()
        signed = await agreements.send("SignAgreement", signing(agreement))
        launched = await programs.send("LaunchProgram", launching(program_id, agreement))
        assert signed["ok"] and launched["ok"], launched


async def test_extension_amendment_and_termination_count_from_the_next_command(
        agreements, programs):
    agreement = new_id()
    await agreements.send("SignAgreement", signing(agreement))
    later = launching(new_id(), agreement, starts_on="2025-05-05", ends_on="2025-09-30")
    refused = await programs.send("LaunchProgram", later)  # also warms this instance's caches
    assert refused["error"]["code"] == "rule" and "not in force" in refused["error"]["message"]
    assert (await agreements.send("ExtendAgreement", {
        "agreement_id": agreement, "signed_on": "2025-03-01", "effective_until": "2026-04-30",
        "signatories": SIGNATORIES}))["ok"]
    assert (await programs.send("LaunchProgram", later))["ok"]

    medical = launching(new_id(), agreement, activities=["medical"])
    assert (await programs.send("LaunchProgram", medical))["error"]["code"] == "rule"
    assert (await agreements.send("AmendAgreement", {
        "agreement_id": agreement, "signed_on": "2025-03-02",
        "changes": {"services": ["counseling", "medical"]}}))["ok"]
    assert (await programs.send("LaunchProgram", medical))["ok"]

    assert (await agreements.send("TerminateAgreement", {
        "agreement_id": agreement, "terminated_on": "2025-03-09", "reason": "x"}))["ok"]
    ended = await programs.send("LaunchProgram", launching(new_id(), agreement))
    assert ended["error"]["code"] == "rule" and "terminated" in ended["error"]["message"]


async def test_an_agreement_of_another_prison_is_not_found_here(log, programs):
    elsewhere = Service(log, "agreements")
    agreement = new_id()
    body = orjson.dumps({"command_id": new_id(), "actor": "a", "data": signing(agreement)})
    assert (await handle(elsewhere.handlers, "SignAgreement",
                         "pulih.commands.lapas-jember.agreements.SignAgreement", body, None))["ok"]
    reply = await programs.send("LaunchProgram", launching(new_id(), agreement))
    assert reply["error"]["code"] == "rule"
    assert reply["error"]["message"] == "agreement not found in this prison"


@pytest.mark.parametrize("key", ["name", "nik", "register_number"])
async def test_personal_data_is_invalid_never_echoed_never_written(programs, log, key):
    secret = "3510012345670001" if key == "nik" else "Budi Santoso bin Slamet"
    reply = await programs.send("RegisterParticipant", registering(new_id()) | {key: secret})
    assert reply["error"]["code"] == "invalid"
    assert f"data.{key}" in {d["field"] for d in reply["error"]["details"]}
    assert secret not in orjson.dumps(reply).decode() and log == []


async def test_unknown_aggregate_is_not_found(programs, log):
    for name, data in [("EnrollParticipant", enrolling(new_id(), new_id())),
                       ("CloseProgram", {"program_id": new_id(), "closed_on": "2025-03-10"}),
                       ("RecordRelease", {"participant_id": new_id(), "released_on": "2025-03-10",
                                          "release_type": "parole"})]:
        reply = await programs.send(name, data)
        assert reply["error"]["code"] == "not_found", reply
    assert log == []


async def test_stale_expected_version_is_a_conflict(programs, program, log):
    reply = await programs.send("CloseProgram", {"program_id": program, "closed_on": "2025-03-10"},
                                expected_version=0)
    assert reply["error"]["code"] == "conflict" and len(log) == 2


async def test_broken_rule_is_rule_and_writes_nothing(programs, program, log):
    reply = await programs.send("EnrollParticipant", enrolling(program, new_id()))
    assert reply["error"] == {"code": "rule",
                              "message": "participant is not registered in this prison",
                              "details": [{"field": "participant_id",
                                           "message": "participant is not registered in this "
                                                      "prison"}]}
    assert len(log) == 2


async def test_retry_returns_the_same_success(programs, program, log):
    alif, command_id = new_id(), new_id()
    first = await programs.send("RegisterParticipant", registering(alif), command_id, 0)
    again = await programs.send("RegisterParticipant", registering(alif), command_id, 0)
    assert first == again and len(log) == 3


async def test_capacity_holds_with_two_instances_enrolling_at_once(agreements, log):
    a, b = Service(log), Service(log)
    agreement, program_id, alif, bayu = new_id(), new_id(), new_id(), new_id()
    await agreements.send("SignAgreement", signing(agreement))
    await a.send("LaunchProgram", launching(program_id, agreement, capacity=1))
    await a.send("RegisterParticipant", registering(alif))
    await b.send("RegisterParticipant", registering(bayu))
    replies = await asyncio.gather(a.send("EnrollParticipant", enrolling(program_id, alif)),
                                   b.send("EnrollParticipant", enrolling(program_id, bayu)))
    assert sorted(r["ok"] for r in replies) == [False, True]
    refused = next(r for r in replies if not r["ok"])
    assert refused["error"]["message"] == "program is full: 1 of 1 places are taken"


async def test_log_down_is_unavailable(programs):
    async def down(*args, **kwargs):
        raise StoreUnavailable("nats is down")

    programs.store._read = down
    reply = await programs.send("RegisterParticipant", registering(new_id()))
    assert reply["error"]["code"] == "unavailable"


async def test_another_instance_sees_the_enrolment_it_did_not_write(programs, program, log):
    other, alif = Service(log), new_id()
    await other.send("RegisterParticipant", registering(alif))
    assert (await other.send("EnrollParticipant", enrolling(program, alif)))["ok"]
    # `programs` cached the program at version 1 when it launched it; `other` wrote version 2.
    done = await programs.send("CompleteParticipant", {
        "program_id": program, "participant_id": alif, "completed_on": "2025-03-10"})
    assert done["ok"], done
