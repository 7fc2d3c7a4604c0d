"""The intake pipeline's commands (issue 13 §1) through real NATS: each one accepted with the
contract's reply and its event on the per-prison subject, an idempotent retry (same
command_id: the same reply, nothing written), and a refusal that writes nothing."""

import orjson
import pytest

from shared.envelope import STREAM
from tests.e2e.helpers import last_seq, ok, participant, program, refused, uid

pytestmark = [pytest.mark.nats, pytest.mark.pg]
TEAM = [{"role": "doctor"}, {"role": "psychologist"}, {"role": "bnn"}]


def screening(pid, risk="high", on="2025-02-03", **over):
    return {"participant_id": pid, "screened_on": on, "instrument": "ASSIST", "score": 28,
            "risk": risk, **over}


def referral(pid, on="2025-02-04"):
    return {"participant_id": pid, "referred_on": on, "team": TEAM}


def conclusion(pid, on="2025-02-10", track="social"):
    return {"participant_id": pid, "concluded_on": on, "instrument": "ASI",
            "recommended_track": track, "recommended_setting": "inside", "note": None}


def placement(pid, on="2025-02-17", track="social", program_id=None, setting="inside"):
    return {"participant_id": pid, "decided_on": on, "decree_number": "W15.PAS.12/2025",
            "track": track, "setting": setting, "program_id": program_id}


def waiting(pid, on="2025-02-12", track="social"):
    return {"participant_id": pid, "waitlisted_on": on, "track": track}


def refusal(pid, on="2025-02-14"):
    return {"participant_id": pid, "refused_on": on, "reason": "tidak bersedia"}


def ineligibility(pid, on="2025-02-14", reason="health"):
    return {"participant_id": pid, "decided_on": on, "reason": reason, "note": None}


async def test_each_command_succeeds_retries_idempotently_and_refuses_writing_nothing(
        stack, prison_id):
    async def cmd(name, data, command_id=None):
        return await stack.command(prison_id, "programs", name, data, command_id=command_id)

    a, b, c = [await participant(stack, prison_id) for _ in range(3)]
    program_id = await program(stack, prison_id)
    steps = [  # (participant, command, data, a refusal of the same command)
        (a, "RecordScreening", screening(a), screening(a, on="2025-02-05")),
        (a, "ReferForAssessment", referral(a), referral(a, on="2025-02-06")),
        (a, "ConcludeAssessment", conclusion(a), conclusion(a, on="2025-02-11")),
        (a, "WaitlistParticipant", waiting(a), waiting(a, on="2025-02-13")),
        (a, "DecidePlacement", placement(a, program_id=program_id),
         placement(a, on="2025-02-18")),
        (b, "RecordScreening", screening(b, "moderate"), screening(b, "low", "2024-01-01")),
        (b, "ReferForAssessment", referral(b), referral(b, on="2025-02-05")),
        (b, "ConcludeAssessment", conclusion(b), conclusion(b, on="2025-02-11")),
        (b, "RecordRefusal", refusal(b), refusal(b, on="2025-02-15")),
        (c, "RecordScreening", screening(c, "low"), screening(c, on="2025-02-05")),
        (c, "RecordIneligibility", ineligibility(c, reason="not_narcotics"),
         ineligibility(c, on="2025-02-15")),
    ]
    versions = {a: 1, b: 1, c: 1}
    for pid, name, data, wrong in steps:
        versions[pid] += 1
        command_id = uid()
        event_type = {"RecordScreening": "ScreeningRecorded",
                      "ReferForAssessment": "ReferredForAssessment",
                      "ConcludeAssessment": "AssessmentConcluded",
                      "WaitlistParticipant": "ParticipantWaitlisted",
                      "DecidePlacement": "PlacementDecided", "RecordRefusal": "PlacementRefused",
                      "RecordIneligibility": "ParticipantFoundIneligible"}[name]
        reply = ok(await cmd(name, data, command_id), versions[pid], event_type)
        message = await stack.nc.jetstream().get_msg(STREAM, reply["events"][0]["seq"])
        assert message.subject == f"pulih.events.{prison_id}.participant.{pid}.{event_type}"
        stored = orjson.loads(message.data)["data"]
        assert stored == {k: v for k, v in data.items() if k != "participant_id"}, name
        before = await last_seq(stack)
        assert await cmd(name, data, command_id) == reply, name  # the retry: same reply
        refused(await cmd(name, wrong), "rule")
        assert await last_seq(stack) == before, name


async def test_a_placement_reads_the_program_it_names(stack, prison_id):
    pid, elsewhere = await participant(stack, prison_id), await program(stack, "lapas-lain")
    for name, data in (("RecordScreening", screening(pid)), ("ReferForAssessment", referral(pid)),
                       ("ConcludeAssessment", conclusion(pid))):
        ok(await stack.command(prison_id, "programs", name, data))
    before = await last_seq(stack)
    for program_id in (elsewhere, uid()):  # of another prison; of none
        error = refused(await stack.command(prison_id, "programs", "DecidePlacement",
                                            placement(pid, program_id=program_id)),
                        "rule", "program_id")
        assert "program not found in this prison" in error["message"]
    assert await last_seq(stack) == before
    closed = await program(stack, prison_id)
    ok(await stack.command(prison_id, "programs", "CloseProgram",
                           {"program_id": closed, "closed_on": "2025-07-01"}))
    refused(await stack.command(prison_id, "programs", "DecidePlacement",
                                placement(pid, program_id=closed)), "rule", "program_id")
    ok(await stack.command(prison_id, "programs", "DecidePlacement",
                           placement(pid, program_id=await program(stack, prison_id))),
       5, "PlacementDecided")


async def test_unknown_participant_and_bad_data_write_nothing(stack, prison_id):
    before = await last_seq(stack)
    refused(await stack.command(prison_id, "programs", "RecordScreening", screening(uid())),
            "not_found")
    pid = await participant(stack, prison_id)
    before = await last_seq(stack)
    refused(await stack.command(prison_id, "programs", "RecordScreening",
                                screening(pid, score=40)), "invalid", "data.score")
    refused(await stack.command(prison_id, "programs", "ReferForAssessment",
                                {**referral(pid), "team": [{"role": "doctor", "name": "dr. X"}]}),
            "invalid", "data.team.0.name")
    assert await last_seq(stack) == before
