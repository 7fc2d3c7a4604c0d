"""The programs service through real NATS: every command, every rejection code, and
read-your-writes across services (agreements → programs, participant → program)."""

import orjson
import pytest

from shared.envelope import STREAM
from tests.e2e.helpers import (
    SIGNATORIES,
    agreement,
    enrol,
    enrolling,
    last_seq,
    launching,
    ok,
    participant,
    program,
    refused,
    registering,
    replica,
    signing,
    uid,
    withdrawing,
)

NAME, NIK = "Budi Santoso bin Slamet", "3510012304870001"


@pytest.fixture(scope="module")
async def two_instances(stack, nats_url):
    """A second instance of the command services next to the stack's (see helpers.replica)."""
    async with replica(nats_url) as rt:
        yield rt


async def test_every_command_succeeds_with_the_contract_reply(stack, prison_id):
    cmd = _commands(stack, prison_id)
    program_id, agreement_id = uid(), await agreement(stack, prison_id)
    launched = ok(await cmd("LaunchProgram", launching(program_id, agreement_id)),
                  1, "ProgramLaunched")
    assert launched["aggregate_id"] == program_id
    message = await stack.nc.jetstream().get_msg(STREAM, launched["events"][0]["seq"])
    assert message.subject == (
        f"pulih.events.{prison_id}.program.{program_id}.ProgramLaunched")
    assert message.headers["Nats-Msg-Id"] == launched["events"][0]["event_id"]
    envelope = orjson.loads(message.data)
    assert (envelope["type"], envelope["aggregate_type"], envelope["aggregate_version"]) == (
        "ProgramLaunched", "program", 1)
    assert envelope["data"]["agreement_id"] == agreement_id and "program_id" not in envelope[
        "data"]

    p1, p2 = uid(), uid()
    registered = ok(await cmd("RegisterParticipant", registering(p1)), 1,
                    "ParticipantRegistered")
    message = await stack.nc.jetstream().get_msg(STREAM, registered["events"][0]["seq"])
    assert message.subject == (
        f"pulih.events.{prison_id}.participant.{p1}.ParticipantRegistered")
    assert orjson.loads(message.data)["data"] == {"case_type": "narcotics_user",
                                                  "admitted_on": "2025-01-10"}
    ok(await cmd("RegisterParticipant", registering(p2, case_type="narcotics_other")), 1)
    ok(await cmd("EnrollParticipant", enrolling(program_id, p1)), 2, "ParticipantEnrolled")
    ok(await cmd("EnrollParticipant", enrolling(program_id, p2)), 3, "ParticipantEnrolled")
    ok(await cmd("RecordAssessment", {"participant_id": p1, "instrument": "ASSIST",
                                      "phase": "intake", "score": 27.5,
                                      "assessed_on": "2025-03-04", "program_id": program_id}),
       2, "AssessmentRecorded")
    ok(await cmd("WithdrawParticipant", withdrawing(program_id, p1, reason="discipline")),
       4, "ParticipantWithdrawn")
    ok(await cmd("CompleteParticipant", {"program_id": program_id, "participant_id": p2,
                                         "completed_on": "2025-06-30"}),
       5, "ParticipantCompleted")
    closed = ok(await cmd("CloseProgram", {"program_id": program_id, "closed_on": "2025-07-01"},
                          expected_version=5), 6, "ProgramClosed")
    assert closed["aggregate_id"] == program_id
    ok(await cmd("RecordRelease", {"participant_id": p2, "released_on": "2025-08-01",
                                   "release_type": "parole"}), 2, "ParticipantReleased")
    readmitted = ok(await cmd("RecordReadmission", {"participant_id": p2,
                                                    "readmitted_on": "2025-10-01"}),
                    3, "ParticipantReadmitted")
    message = await stack.nc.jetstream().get_msg(STREAM, readmitted["events"][0]["seq"])
    assert message.subject == (
        f"pulih.events.{prison_id}.participant.{p2}.ParticipantReadmitted")


async def test_schema_errors_are_invalid_and_name_the_field(stack, prison_id):
    cmd = _commands(stack, prison_id)
    program_id = await program(stack, prison_id)
    before = await last_seq(stack)
    cases = [
        ("LaunchProgram", launching(uid(), uid(), capacity=0), "data.capacity"),
        ("LaunchProgram", launching(uid(), uid(), activities=["yoga"]), "data.activities.0"),
        ("LaunchProgram", launching(uid(), uid(), starts_on="01/03/2025"), "data.starts_on"),
        ("LaunchProgram", launching("P-1", uid()), "data.program_id"),
        ("EnrollParticipant", {"program_id": program_id, "participant_id": uid()},
         "data.enrolled_on"),
        ("WithdrawParticipant", withdrawing(program_id, uid(), reason="bored"), "data.reason"),
        ("RegisterParticipant", registering(uid(), case_type="theft"), "data.case_type"),
        ("RecordAssessment", {"participant_id": uid(), "instrument": "IQ", "phase": "intake",
                              "score": 1, "assessed_on": "2025-03-04"}, "data.instrument"),
        ("RecordRelease", {"participant_id": uid(), "released_on": "2025-08-01",
                           "release_type": "escape"}, "data.release_type"),
    ]
    for name, data, field in cases:
        refused(await cmd(name, data), "invalid", field)
    raw = await stack.nc.request(f"pulih.commands.{prison_id}.programs.LaunchProgram",
                                 b"[1, 2", timeout=5)
    refused(orjson.loads(raw.data), "invalid", "body")
    assert await last_seq(stack) == before


async def test_personal_data_is_refused_and_never_echoed_or_written(stack, prison_id):
    program_id, participant_id = await program(stack, prison_id), uid()
    before = await last_seq(stack)
    requests = [
        ("RegisterParticipant", registering(participant_id, name=NAME, nik=NIK),
         {"data.name", "data.nik"}),
        ("EnrollParticipant", enrolling(program_id, uid(), register_number=NIK, name=NAME),
         {"data.register_number", "data.name"}),
    ]
    for name, data, fields in requests:
        raw = await stack.nc.request(f"pulih.commands.{prison_id}.programs.{name}",
                                     orjson.dumps({"command_id": uid(), "actor": "officer:x:y",
                                                   "expected_version": None, "data": data}),
                                     timeout=10)
        assert NAME.encode() not in raw.data and NIK.encode() not in raw.data, raw.data
        error = refused(orjson.loads(raw.data), "invalid")
        assert {d["field"] for d in error["details"]} == fields
    assert await last_seq(stack) == before
    # Nothing of the refused registration exists: the participant is unknown.
    refused(await stack.command(prison_id, "programs", "RecordRelease", {
        "participant_id": participant_id, "released_on": "2025-08-01",
        "release_type": "parole"}), "not_found")


async def test_unknown_aggregates_are_not_found(stack, prison_id):
    cmd, unknown = _commands(stack, prison_id), uid()
    for name, data in [
        ("EnrollParticipant", enrolling(unknown, await participant(stack, prison_id))),
        ("WithdrawParticipant", withdrawing(unknown, uid())),
        ("CompleteParticipant", {"program_id": unknown, "participant_id": uid(),
                                 "completed_on": "2025-06-30"}),
        ("CloseProgram", {"program_id": unknown, "closed_on": "2025-07-01"}),
        ("RecordAssessment", {"participant_id": unknown, "instrument": "ASI", "phase": "exit",
                              "score": 3, "assessed_on": "2025-06-01"}),
        ("RecordRelease", {"participant_id": unknown, "released_on": "2025-08-01",
                           "release_type": "expiration"}),
        ("RecordReadmission", {"participant_id": unknown, "readmitted_on": "2025-10-01"}),
    ]:
        before = await last_seq(stack)
        refused(await cmd(name, data), "not_found")
        assert await last_seq(stack) == before, name


async def test_stale_expected_version_is_a_conflict(stack, prison_id):
    cmd = _commands(stack, prison_id)
    program_id, participant_id = await program(stack, prison_id), await participant(
        stack, prison_id)
    before = await last_seq(stack)
    refused(await cmd("EnrollParticipant", enrolling(program_id, participant_id),
                      expected_version=0), "conflict")
    refused(await cmd("RecordRelease", {"participant_id": participant_id,
                                        "released_on": "2025-08-01", "release_type": "parole"},
                      expected_version=2), "conflict")
    assert await last_seq(stack) == before
    ok(await cmd("EnrollParticipant", enrolling(program_id, participant_id),
                 expected_version=1), 2)


async def test_business_rules_are_refused_as_rule(stack, prison_id):
    cmd = _commands(stack, prison_id)
    agreement_id = await agreement(stack, prison_id)  # counseling, mental/social guidance, skills
    elsewhere = await agreement(stack, f"{prison_id}-x")
    small = await program(stack, prison_id, capacity=1)
    await enrol(stack, prison_id, small)
    closed = await program(stack, prison_id)
    ok(await cmd("CloseProgram", {"program_id": closed, "closed_on": "2025-03-02"}))
    in_custody, registered = await participant(stack, prison_id), await participant(
        stack, prison_id)
    before = await last_seq(stack)
    cases = [
        ("LaunchProgram", launching(uid(), agreement_id, activities=["counseling", "medical"]),
         "activities", "medical"),
        ("LaunchProgram", launching(uid(), elsewhere), "agreement_id", "not found"),
        ("LaunchProgram", launching(uid(), agreement_id, starts_on="2024-06-01"),
         "starts_on", "not in force"),
        ("EnrollParticipant", enrolling(small, registered), "participant_id", "full"),
        ("EnrollParticipant", enrolling(closed, registered), None, "closed"),
        ("EnrollParticipant", enrolling(small, uid()), "participant_id", "not registered"),
        ("RecordReadmission", {"participant_id": in_custody, "readmitted_on": "2025-10-01"},
         "readmitted_on", "release"),
    ]
    for name, data, field, says in cases:
        error = refused(await cmd(name, data), "rule", field)
        assert says in error["message"], error
    assert await last_seq(stack) == before


@pytest.mark.usefixtures("two_instances")
async def test_read_your_writes_across_services(stack, prison_id):
    """Each step's next command goes out the moment the previous reply arrives."""
    cmd = _commands(stack, prison_id)
    for i in range(30):
        # SignAgreement → LaunchProgram; TerminateAgreement → LaunchProgram refused.
        first, program_id = uid(), uid()
        ok(await stack.command(prison_id, "agreements", "SignAgreement", signing(first)))
        ok(await cmd("LaunchProgram", launching(program_id, first)), 1)
        ok(await stack.command(prison_id, "agreements", "TerminateAgreement", {
            "agreement_id": first, "terminated_on": "2025-05-01", "reason": "mitra bubar"}))
        error = refused(await cmd("LaunchProgram", launching(uid(), first)), "rule",
                        "agreement_id")
        assert "terminated" in error["message"], (i, error)
        # ExtendAgreement / AmendAgreement → a launch that needs them.
        second = uid()
        ok(await stack.command(prison_id, "agreements", "SignAgreement", signing(second)))
        later = launching(uid(), second, starts_on="2031-01-01", ends_on="2031-06-30")
        refused(await cmd("LaunchProgram", later), "rule", "starts_on")
        ok(await stack.command(prison_id, "agreements", "ExtendAgreement", {
            "agreement_id": second, "signed_on": "2025-06-01", "effective_until": "2035-12-31",
            "signatories": SIGNATORIES, "note": "perpanjangan"}), 2)
        ok(await cmd("LaunchProgram", later), 1)
        ok(await stack.command(prison_id, "agreements", "AmendAgreement", {
            "agreement_id": second, "signed_on": "2025-06-02",
            "changes": {"services": ["counseling", "medical"]}}), 3)
        ok(await cmd("LaunchProgram", launching(uid(), second, activities=["medical"])), 1)
        # RegisterParticipant → EnrollParticipant.
        participant_id = uid()
        ok(await cmd("RegisterParticipant", registering(participant_id)), 1)
        ok(await cmd("EnrollParticipant", enrolling(program_id, participant_id)), 2)


@pytest.mark.usefixtures("two_instances")
async def test_a_retry_returns_the_same_reply_and_writes_nothing(stack, prison_id):
    cmd = _commands(stack, prison_id)
    program_id, agreement_id, launch_id = uid(), await agreement(stack, prison_id), uid()
    first = ok(await cmd("LaunchProgram", launching(program_id, agreement_id),
                         command_id=launch_id))
    participant_id, enrol_id = await participant(stack, prison_id), uid()
    enrolled = ok(await cmd("EnrollParticipant", enrolling(program_id, participant_id),
                            command_id=enrol_id, expected_version=1), 2)
    before = await last_seq(stack)
    assert await cmd("LaunchProgram", launching(program_id, agreement_id),
                     command_id=launch_id) == first
    # Even with its expected_version now stale, the retry gets its original success.
    assert await cmd("EnrollParticipant", enrolling(program_id, participant_id),
                     command_id=enrol_id, expected_version=1) == enrolled
    assert await last_seq(stack) == before
    # A new command id for the same launch is a second launch: refused.
    refused(await cmd("LaunchProgram", launching(program_id, agreement_id)), "rule",
            "program_id")


def _commands(stack, prison_id):
    async def cmd(name, data, **kw):
        return await stack.command(prison_id, "programs", name, data, **kw)

    return cmd
