"""The demo scenario: pure checks of its commands, then the whole of it through the running stack.

The stack's log is shared with the other e2e tests, so the scenario is loaded into a prison of its
own (every demo id depends on the prison) rather than through `load_demo`, which only loads into
an empty log.
"""

from collections import Counter
from datetime import date, datetime, time

import pytest

from deploy import demo_cohort as cohort
from deploy.demo import (
    GENNESA_2025,
    PRISON,
    batches,
    demo_id,
    program_id,
    run_scenario,
    scenario,
)
from shared.envelope import WIB

ID_FIELDS = ("agreement_id", "program_id", "participant_id", "session_id")
PARTICIPANT_FIELDS = {"participant_id", "case_type", "admitted_on", "instrument", "phase",
                      "score", "assessed_on", "program_id", "released_on", "release_type",
                      "readmitted_on"}


def commands_named(commands, name):
    return [data for _, n, data in commands if n == name]


def ids(commands):
    return {data[f] for _, _, data in commands for f in ID_FIELDS if data.get(f)}


def midnight(day):
    return datetime.combine(date.fromisoformat(day), time(0), WIB)


def expected_attendance(commands):
    """(present + late) / (present + late + absent) over held sessions, corrections applied."""
    marks = {(h["session_id"], m["participant_id"]): m["status"]
             for h in commands_named(commands, "HoldSession") for m in h["attendance"]}
    for c in commands_named(commands, "CorrectAttendance"):
        marks[(c["session_id"], c["participant_id"])] = c["status"]
    counts = Counter(marks.values())
    return (counts["present"] + counts["late"]) / (
        counts["present"] + counts["late"] + counts["absent"])


def test_the_scenario_is_deterministic_and_scoped_to_its_prison():
    assert scenario("lapas-satu") == scenario("lapas-satu")
    assert not ids(scenario("lapas-satu")) & ids(scenario("lapas-dua"))
    # Banyuwangi's ids are those the demo always had.
    assert demo_id("agreement/gennesa-2025") == GENNESA_2025 == demo_id(
        "agreement/gennesa-2025", PRISON)
    assert program_id("lapas-satu") in ids(scenario("lapas-satu"))


def test_the_cohort_matches_the_seed_reports():
    commands = scenario()
    (launch,) = commands_named(commands, "LaunchProgram")
    assert launch["agreement_id"] == GENNESA_2025 and launch["cohort"] == "2025-II"
    assert (launch["starts_on"], launch["ends_on"]) == ("2025-07-14", "2025-12-08")
    assert len(commands_named(commands, "EnrollParticipant")) == 20
    completed = commands_named(commands, "CompleteParticipant")
    withdrawn = commands_named(commands, "WithdrawParticipant")
    assert len(completed) + len(withdrawn) == 20
    assert {w["reason"] for w in withdrawn} == {"transferred", "health"}
    assert {c["completed_on"] for c in completed} == {"2025-12-08"}
    assert commands_named(commands, "CloseProgram")[0]["closed_on"] == "2025-12-08"
    assert len(commands_named(commands, "HoldSession")) > 15
    assert len(commands_named(commands, "CancelSession")) == 1
    assert len(commands_named(commands, "CorrectAttendance")) == 1
    assert 0.6 < expected_attendance(commands) < 1.0
    releases = commands_named(commands, "RecordRelease")
    readmissions = commands_named(commands, "RecordReadmission")
    assert len(releases) >= 3 and len(readmissions) == 1
    assert all("2025-12-08" < r["released_on"] < "2026-11-22" for r in releases)


def test_no_personal_data_about_participants():
    for service, name, data in scenario():
        if service == "programs" and "participant_id" in data and name not in (
                "EnrollParticipant", "WithdrawParticipant", "CompleteParticipant"):
            assert set(data) <= PARTICIPANT_FIELDS, name
    for hold in commands_named(scenario(), "HoldSession"):
        assert all(set(m) == {"participant_id", "status"} for m in hold["attendance"])
        assert {f["organization"] for f in hold["facilitators"]} == {cohort.PARTNER}


def test_every_session_lists_exactly_the_participants_active_at_held_at():
    """Recomputed from the program commands' instants (00:00 WIB of their dates)."""
    commands = scenario()
    spans = {}
    for e in commands_named(commands, "EnrollParticipant"):
        spans[e["participant_id"]] = [midnight(e["enrolled_on"]), None]
    for name, field in (("WithdrawParticipant", "withdrawn_on"),
                        ("CompleteParticipant", "completed_on")):
        for e in commands_named(commands, name):
            spans[e["participant_id"]][1] = midnight(e[field])
    for hold in commands_named(commands, "HoldSession"):
        held_at = datetime.fromisoformat(hold["held_at"])
        active = {p for p, (start, end) in spans.items() if start <= held_at < end}
        listed = [m["participant_id"] for m in hold["attendance"]]
        assert len(listed) == len(set(listed)) and set(listed) == active, hold["held_at"]
        assert 90 <= hold["duration_minutes"] <= 120


def test_a_batch_never_holds_dependent_commands():
    for group in batches(scenario()):
        written = [cohort_write(service, name, data) for service, name, data in group]
        assert len(written) == len(set(written))
        for service, name, data in group:
            own = cohort_write(service, name, data)
            assert not {data.get(f) for f in ID_FIELDS if data.get(f) != own} & set(written)


def cohort_write(service, name, data):
    if service == "agreements":
        return data["agreement_id"]
    if service == "attendance":
        return data["session_id"]
    return data["program_id"] if name in (
        "LaunchProgram", "EnrollParticipant", "WithdrawParticipant", "CompleteParticipant",
        "CloseProgram") else data["participant_id"]


async def test_the_demo_loads_through_the_public_contract(stack, prison_id):
    commands = scenario(prison_id)
    replies = await run_scenario(stack.nc, prison_id)
    assert len(replies) == len(commands) and all(r["ok"] for r in replies)
    # Loading again is a retry of every command: the same replies, nothing written twice.
    assert await run_scenario(stack.nc, prison_id) == replies
    await stack.caught_up(max(e["seq"] for r in replies for e in r["events"]))

    items = (await stack.http.get("/agreements", params={"prison_id": prison_id})).json()["items"]
    assert {i["partner_id"] for i in items} == {"ipwl-lrppn-bi-banyuwangi", "yayasan-gennesa"}
    assert len(items) == 3
    by_id = {i["agreement_id"]: i for i in items}
    assert by_id[demo_id("agreement/gennesa-2023", prison_id)]["status"] == "terminated"

    corrected = demo_id(f"session/{cohort.CORRECTION[0].isoformat()}", prison_id)
    trail = (await stack.http.get(f"/audit/session/{corrected}")).json()["events"]
    assert [e["type"] for e in trail] == ["SessionHeld", "AttendanceCorrected"]
    cancelled = demo_id(f"session/{cohort.CANCELLED[0].isoformat()}", prison_id)
    trail = (await stack.http.get(f"/audit/session/{cancelled}")).json()["events"]
    assert [e["type"] for e in trail] == ["SessionScheduled", "SessionCancelled"]

    paths = (await stack.http.get("/openapi.json")).json()["paths"]
    if "/programs/{program_id}" not in paths:
        pytest.skip("GET /programs/{program_id} is not in the reporting API yet")
    program = (await stack.http.get(f"/programs/{program_id(prison_id)}")).json()
    assert program["status"] == "closed" and program["prison_id"] == prison_id
    assert (program["enrolled"], program["active"]) == (20, 0)
    assert program["completed"] + program["withdrawn"] == program["enrolled"]
    assert (program["completed"], program["withdrawn"]) == (18, 2)
    assert program["sessions_held"] == len(commands_named(commands, "HoldSession")) > 15
    assert 0.6 < program["attendance_rate"] < 1.0
    assert program["attendance_rate"] == pytest.approx(expected_attendance(commands), abs=0.005)
