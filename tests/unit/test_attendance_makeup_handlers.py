"""Sessions not held and make-ups through the attendance service's executor, on the in-memory
store: the replaced session and the prison's earlier make-ups are read from the log (another
instance's writes included), not from this instance's cache."""

import uuid

import pytest

from tests.unit.test_attendance_handlers import Programs, Service, holding

OTHER_PRISON = "lapas-jember"


@pytest.fixture
def log():
    return []


def missing(session_id, program_id, **over):
    return {"session_id": session_id, "program_id": program_id, "reason": "holiday",
            "planned_for": "2025-03-17T09:00:00+07:00", **over}


async def test_a_makeup_reads_what_another_instance_wrote(log):
    programs = await Programs(log).launch()
    pid = str(uuid.uuid4())
    await programs.enrol(pid, "2025-03-03T00:00:00+07:00")
    one, two = Service(log), Service(log)
    missed, makeup, again = (str(uuid.uuid4()) for _ in range(3))
    recorded = await one.send("RecordSessionNotHeld", missing(missed, programs.program_id))
    assert recorded["ok"] and recorded["events"][0]["type"] == "SessionNotHeld"
    reply = await two.send("HoldSession", holding(makeup, programs.program_id, [pid],
                                                  held_at="2025-03-19T09:00:00+07:00",
                                                  makeup_for=missed))
    assert reply["ok"], reply
    assert (log[-1].envelope["schema_version"], log[-1].envelope["data"]["makeup_for"]) == (
        2, missed)
    # The first instance never saw the make-up in its cache: it reads the prison's log.
    refused = await one.send("HoldSession", holding(again, programs.program_id, [pid],
                                                    held_at="2025-03-20T09:00:00+07:00",
                                                    makeup_for=missed))
    assert refused["error"]["code"] == "rule"
    assert f"already made up by session {makeup}" in refused["error"]["message"]
    assert log[-1].envelope["aggregate_id"] == makeup  # nothing written


async def test_a_session_of_another_prison_cannot_be_made_up(log):
    here, there = await Programs(log).launch(), await Programs(log, OTHER_PRISON).launch()
    pid = str(uuid.uuid4())
    await here.enrol(pid, "2025-03-03T00:00:00+07:00")
    service, missed = Service(log), str(uuid.uuid4())
    assert (await service.send("RecordSessionNotHeld", missing(missed, there.program_id),
                               prison=OTHER_PRISON))["ok"]
    reply = await service.send("HoldSession", holding(str(uuid.uuid4()), here.program_id, [pid],
                                                      makeup_for=missed))
    assert reply["error"]["code"] == "rule"
    assert f"session {missed} not found in this prison" in reply["error"]["message"]


async def test_not_held_needs_the_program_in_this_prison(log):
    there = await Programs(log, OTHER_PRISON).launch()
    reply = await Service(log).send("RecordSessionNotHeld",
                                    missing(str(uuid.uuid4()), there.program_id))
    assert reply["error"]["code"] == "rule" and "not found in this prison" in (
        reply["error"]["message"])
    assert len(log) == 1  # the other prison's launch only
