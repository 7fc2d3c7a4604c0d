"""Ids are unique within a prison (contract v2, Identifiers): on the in-memory store, a create
refuses an agreement, program or session id another prison already holds, and writes nothing;
a participant id (the person's pseudonym) is free in every prison; what the command services
derive per aggregate (expiry command ids) never mixes two prisons' aggregates of one id."""

import uuid
from datetime import UTC, datetime

import orjson
import pytest

from services.agreements import handlers as agreements
from services.agreements.expiry import expire_due
from services.attendance import handlers as attendance
from services.programs import handlers as programs
from shared.command_edge import handle
from shared.envelope import CommandMeta, NewEvent, StreamId, date_instant
from shared.executor import Context, Executor
from shared.memory_store import InMemoryEventStore
from tests.e2e.helpers import holding, launching, registering, signing, uid

A, B = "lapas-banyuwangi", "lapas-jember"
NOW = datetime(2025, 6, 2, 3, 0, tzinfo=UTC)


class Services:
    """The three command services, each with its own store (and caches) over one log."""

    def __init__(self, log: list, now: datetime = NOW):
        self.log = log
        tables = {"agreements": agreements.TABLE, "programs": programs.TABLE,
                  "attendance": attendance.TABLE}
        self.handlers = {}
        for service, table in tables.items():
            store = InMemoryEventStore()
            store.log = log
            self.handlers[service] = Executor(Context(store, lambda: now), table)

    async def send(self, prison: str, service: str, name: str, data: dict) -> dict:
        body = orjson.dumps({"command_id": str(uuid.uuid4()), "actor": f"officer:{prison}:rina",
                             "expected_version": None, "data": data})
        return await handle(self.handlers[service], name,
                            f"pulih.commands.{prison}.{service}.{name}", body, None)

    async def ok(self, prison: str, service: str, name: str, data: dict) -> dict:
        reply = await self.send(prison, service, name, data)
        assert reply["ok"], reply
        return reply


@pytest.fixture
def services():
    return Services([])


async def a_program(services: Services, prison: str) -> str:
    agreement_id, program_id = uid(), uid()
    await services.ok(prison, "agreements", "SignAgreement", signing(agreement_id))
    await services.ok(prison, "programs", "LaunchProgram", launching(program_id, agreement_id))
    return program_id


async def a_cohort(services: Services, prison: str) -> tuple[str, list[str]]:
    """A program with one participant enrolled: the roster a held session lists."""
    program_id, participant_id = await a_program(services, prison), uid()
    await services.ok(prison, "programs", "RegisterParticipant", registering(participant_id))
    await services.ok(prison, "programs", "EnrollParticipant", {
        "program_id": program_id, "participant_id": participant_id, "enrolled_on": "2025-03-03"})
    return program_id, [participant_id]


def assert_refused(reply: dict, field: str) -> None:
    assert reply["ok"] is False and reply["error"]["code"] == "rule", reply
    assert "another prison" in reply["error"]["message"]
    assert [d["field"] for d in reply["error"]["details"]] == [field]
    assert A not in orjson.dumps(reply).decode()  # the other prison is not named


async def test_an_agreement_id_of_another_prison_is_refused_and_nothing_written(services):
    agreement_id = uid()
    first = await services.ok(A, "agreements", "SignAgreement", signing(agreement_id))
    before = list(services.log)
    assert_refused(await services.send(B, "agreements", "SignAgreement", signing(agreement_id)),
                   "data.agreement_id")
    assert services.log == before
    await services.ok(B, "agreements", "SignAgreement", signing(uid()))  # a new id is fine
    # The same prison's own aggregate is no "other prison": a second sign there is its rule.
    again = await services.send(A, "agreements", "SignAgreement", signing(agreement_id))
    assert again["error"]["code"] == "rule" and "another prison" not in again["error"]["message"]
    assert first["aggregate_version"] == 1


async def test_a_program_id_of_another_prison_is_refused_and_nothing_written(services):
    program_id = await a_program(services, A)
    agreement_b = uid()
    await services.ok(B, "agreements", "SignAgreement", signing(agreement_b))
    before = list(services.log)
    assert_refused(await services.send(B, "programs", "LaunchProgram",
                                       launching(program_id, agreement_b)), "data.program_id")
    assert services.log == before


@pytest.mark.parametrize("scheduled", [True, False])
async def test_a_session_id_of_another_prison_is_refused_and_nothing_written(services, scheduled):
    session_id = uid()
    (program_a, cohort_a), (program_b, cohort_b) = [await a_cohort(services, p) for p in (A, B)]
    await services.ok(A, "attendance", "HoldSession", holding(session_id, program_a, cohort_a))
    before = list(services.log)
    if scheduled:
        reply = await services.send(B, "attendance", "ScheduleSession", {
            "session_id": session_id, "program_id": program_b, "activity": "counseling",
            "scheduled_for": "2025-06-09T09:00:00+07:00", "topic": "Membatik"})
    else:  # held without being scheduled first: the session is created by the hold
        reply = await services.send(B, "attendance", "HoldSession",
                                    holding(session_id, program_b, cohort_b))
    assert_refused(reply, "data.session_id")
    assert services.log == before


async def test_a_participant_id_is_the_same_person_in_every_prison(services):
    participant_id = uid()
    await services.ok(A, "programs", "RegisterParticipant", registering(participant_id))
    await services.ok(A, "programs", "RecordRelease", {
        "participant_id": participant_id, "released_on": "2025-03-01",
        "release_type": "transfer"})
    reply = await services.ok(B, "programs", "RegisterParticipant", registering(
        participant_id, admitted_on="2025-03-02"))
    assert reply["aggregate_version"] == 1  # B's own aggregate: this person's stay in B


async def test_agreements_of_one_id_in_two_prisons_expire_by_two_commands():
    """Two prisons' agreements of one id (an offline prison, or a log older than the refusal)
    each expire once, by commands of their own: a command id derived from the agreement id
    alone would be one command for both (and one event id in two places)."""
    log: list = []
    agreement_id = uid()
    writer = InMemoryEventStore()
    writer.log = log
    for prison in (A, B):  # straight into the log, past the create refusal
        stream = StreamId(prison, "agreement", agreement_id)
        data = signing(agreement_id, effective_until="2025-05-31")
        del data["agreement_id"]
        command_id = uid()
        await writer.append(await writer.load(stream), [
            NewEvent("AgreementSigned", data, date_instant("2025-01-15"))],
            CommandMeta(command_id, f"officer:{prison}:rina", command_id))
    services = Services(log)
    written = await expire_due(services.handlers["agreements"])
    expired = [r.envelope for r in log if r.type == "AgreementExpired"]
    assert len(written) == 2 and {e["prison_id"] for e in expired} == {A, B}
    assert len({e["command_id"] for e in expired}) == 2
    assert len({e["event_id"] for e in expired}) == 2
    assert await expire_due(services.handlers["agreements"]) == []  # once each
