"""Routing, on FastStream's TestNatsBroker (no server): each command service, composed by its
`install`, answers `pulih.commands.{prison_id}.{service}.{Name}` with the contract's reply."""

import orjson
import pytest
from faststream.exceptions import SubscriberNotFound
from faststream.nats import TestNatsBroker

from services.agreements import main as agreements
from services.attendance import main as attendance
from services.programs import main as programs
from shared.executor import Context
from shared.memory_store import InMemoryEventStore
from shared.runtime import Runtime
from shared.settings import Settings
from tests.e2e.helpers import launching, ok, refused, signing, uid

PRISON = "lapas-banyuwangi"
# Every command of the contract, with the id field its data must name.
COMMANDS = {
    "agreements": {name: "agreement_id" for name in (
        "SignAgreement", "ExtendAgreement", "AmendAgreement", "TerminateAgreement")},
    "programs": {**{name: "program_id" for name in (
        "LaunchProgram", "EnrollParticipant", "WithdrawParticipant", "CompleteParticipant",
        "CloseProgram")}, **{name: "participant_id" for name in (
            "RegisterParticipant", "RecordAssessment", "RecordRelease", "RecordReadmission",
            "RecordUrineTest", "ResolveViolation")}},
    "attendance": {name: "session_id" for name in (
        "ScheduleSession", "HoldSession", "CorrectAttendance", "CancelSession",
        "RecordSessionNotHeld")},
}


@pytest.fixture
async def broker():
    """The three command services installed on one runtime, as `pulih up` composes them, over
    the in-memory store (the context `Runtime.open` would build on JetStream)."""
    rt = Runtime(Settings.from_env({}), "nats://127.0.0.1:1", None)
    rt.ctx = Context(InMemoryEventStore(), rt.clock)
    for service in (agreements, programs, attendance):
        service.install(rt)
    async with TestNatsBroker(rt.broker) as broker:
        yield broker


async def send(broker, service, name, data=None, *, prison=PRISON, body=None):
    if body is None:
        body = orjson.dumps({"command_id": uid(), "actor": f"officer:{prison}:rina",
                             "expected_version": None, "data": data})
    reply = await broker.request(body, f"pulih.commands.{prison}.{service}.{name}")
    return orjson.loads(reply.body)


async def test_each_service_answers_its_commands_with_the_contract_reply(broker):
    agreement_id, program_id, session_id = uid(), uid(), uid()
    signed = ok(await send(broker, "agreements", "SignAgreement", signing(agreement_id)), 1,
                "AgreementSigned")
    assert signed["aggregate_id"] == agreement_id
    ok(await send(broker, "programs", "LaunchProgram", launching(program_id, agreement_id)), 1,
       "ProgramLaunched")
    ok(await send(broker, "attendance", "ScheduleSession", {
        "session_id": session_id, "program_id": program_id,
        "scheduled_for": "2025-03-10T09:00:00+07:00", "activity": "counseling",
        "topic": "Mengenali pemicu", "facilitators": []}), 1, "SessionScheduled")
    refused(await send(broker, "agreements", "TerminateAgreement", {
        "agreement_id": uid(), "terminated_on": "2025-02-28", "reason": "x"}), "not_found")


@pytest.mark.parametrize(("service", "name", "id_field"), [
    (service, name, id_field) for service, names in COMMANDS.items()
    for name, id_field in names.items()])
async def test_every_command_reaches_its_own_model(broker, service, name, id_field):
    refused(await send(broker, service, name, {}), "invalid", f"data.{id_field}")


async def test_a_body_that_is_not_json_is_invalid(broker):
    refused(await send(broker, "programs", "LaunchProgram", body=b"{not json"), "invalid", "body")


@pytest.mark.parametrize("prison", ["BAD_PRISON", "Lapas-Banyuwangi", "-lapas"])
async def test_a_prison_id_that_is_not_a_slug_is_invalid(broker, prison):
    reply = await send(broker, "agreements", "SignAgreement", signing(uid()), prison=prison)
    refused(reply, "invalid", "subject.prison_id")


@pytest.mark.parametrize("subject", ["agreements.LaunchProgram", "programs.Unknown",
                                     "attendance"])
async def test_nothing_answers_outside_the_contract_subjects(broker, subject):
    with pytest.raises(SubscriberNotFound):
        await broker.request(b"{}", f"pulih.commands.{PRISON}.{subject}")
