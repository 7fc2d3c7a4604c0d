"""A `command_id` names one command for ever (contract v2), through the running services: a
genuine retry gets the original success, anything else under the same id is `conflict` and
writes nothing. And `expected_version` is an integer, never a string or a boolean."""

import orjson
import pytest

from shared.bus import command_subject
from tests.e2e.helpers import last_seq, ok, program, refused, uid


def scheduling(session_id, program_id, **over):
    return {"session_id": session_id, "program_id": program_id,
            "scheduled_for": "2025-03-10T09:00:00+07:00", "activity": "counseling",
            "topic": "Mengenali pemicu", "facilitators": [], **over}


async def test_cancel_with_the_schedules_command_id_is_a_conflict(stack, prison_id):
    program_id, session_id, command_id = await program(stack, prison_id), uid(), uid()
    scheduled = ok(await stack.command(prison_id, "attendance", "ScheduleSession",
                                       scheduling(session_id, program_id),
                                       command_id=command_id), 1, "SessionScheduled")
    before = await last_seq(stack)
    error = refused(await stack.command(prison_id, "attendance", "CancelSession",
                                        {"session_id": session_id, "reason": "hujan"},
                                        command_id=command_id), "conflict", "command_id")
    assert error["message"] == "command_id already used"
    # The same command with another topic is another command too.
    refused(await stack.command(prison_id, "attendance", "ScheduleSession",
                                scheduling(session_id, program_id, topic="Lain"),
                                command_id=command_id), "conflict", "command_id")
    assert await last_seq(stack) == before
    # A genuine retry (key order and blanks differ, the validated data does not) is the
    # original success; the session is still scheduled and can be cancelled.
    data = dict(reversed(list(scheduling(session_id, program_id, topic=" Mengenali pemicu ")
                              .items())))
    assert await stack.command(prison_id, "attendance", "ScheduleSession", data,
                               command_id=command_id) == scheduled
    ok(await stack.command(prison_id, "attendance", "CancelSession",
                           {"session_id": session_id, "reason": "hujan"}), 2, "SessionCancelled")


async def test_a_command_id_is_unique_across_aggregates_and_services(stack, prison_id):
    program_id, command_id = await program(stack, prison_id), uid()
    ok(await stack.command(prison_id, "attendance", "ScheduleSession",
                           scheduling(uid(), program_id), command_id=command_id))
    before = await last_seq(stack)
    # Another session, and another service's aggregate: refused at once, not after retries
    # ending in "too many concurrent writers".
    error = refused(await stack.command(prison_id, "attendance", "ScheduleSession",
                                        scheduling(uid(), program_id), command_id=command_id),
                    "conflict", "command_id")
    assert error["message"] == "command_id already used"
    refused(await stack.command(prison_id, "programs", "RegisterParticipant",
                                {"participant_id": uid(), "case_type": "narcotics_user",
                                 "admitted_on": "2025-01-10"}, command_id=command_id),
            "conflict", "command_id")
    assert await last_seq(stack) == before


@pytest.mark.parametrize("version", ["1", "0", True, 1.0, [1], {"v": 1}, -1])
async def test_expected_version_must_be_an_integer(stack, prison_id, version):
    before = await last_seq(stack)
    body = {"command_id": uid(), "actor": "officer:test:rina", "expected_version": version,
            "data": {"participant_id": uid(), "case_type": "narcotics_user",
                     "admitted_on": "2025-01-10"}}
    reply = await stack.nc.request(command_subject(prison_id, "programs", "RegisterParticipant"),
                                   orjson.dumps(body), timeout=10)
    refused(orjson.loads(reply.data), "invalid", "expected_version")
    assert await last_seq(stack) == before
