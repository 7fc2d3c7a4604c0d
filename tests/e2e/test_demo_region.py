"""The demo region (deploy/demo_region): pure checks of its commands against its own
definition, then the whole of it loaded twice through the running stack."""

from collections import Counter

import pytest

from deploy.demo import batches
from deploy.demo_region import CUTOFF, KANWIL, PRISONS, region
from deploy.demo_region.load import load_region
from deploy.demo_region.prisons import NEW_PRISONS
from services.agreements.handlers import COMMANDS as AGREEMENT_COMMANDS
from services.attendance.handlers import COMMANDS as ATTENDANCE_COMMANDS
from services.programs.handlers import COMMANDS as PROGRAM_COMMANDS

DATES = ("signed_on", "admitted_on", "enrolled_on", "released_on", "readmitted_on",
         "tested_on", "held_at", "died_on", "transferred_on", "decided_on", "completed_on")


def named(commands, name):
    return [data for _, n, data in commands if n == name]


def everything():
    scenario = region()
    return [c for p in PRISONS for c in (*scenario.officers[p], *scenario.regional[p])]


def test_the_region_is_deterministic_and_has_four_prisons_of_one_kanwil():
    assert region.__wrapped__() == region.__wrapped__()
    scenario = region()
    assert len(PRISONS) == len(set(PRISONS)) == 4 and set(scenario.officers) == set(PRISONS)
    assert "lapas-narkotika-pamekasan" in PRISONS
    for prison in PRISONS:
        (assigned,) = named(scenario.regional[prison], "AssignKanwil")
        assert assigned["kanwil_id"] == KANWIL
        launched = named(scenario.officers[prison], "LaunchProgram")
        assert len(launched) >= 3
        quotas = named(scenario.regional[prison], "SetQuota")
        planned = Counter()
        for launch in launched:
            if launch.get("track"):
                planned[(int(launch["starts_on"][:4]), launch["track"])] += launch["capacity"] - 5
        assert {(q["year"], q["track"]) for q in quotas} == set(planned)
        assert all(0.7 <= q["target"] / planned[(q["year"], q["track"])] <= 1.35 for q in quotas)


def test_every_command_of_the_contract_is_in_the_region():
    sent = {name for _, name, _ in everything()}
    assert sent == set(AGREEMENT_COMMANDS) | set(PROGRAM_COMMANDS) | set(ATTENDANCE_COMMANDS)


def test_nothing_is_dated_after_the_cutoff():
    for _, _, data in everything():
        for field in DATES:
            if data.get(field):
                assert data[field][:10] <= CUTOFF.isoformat(), (field, data[field])


def test_releases_of_every_type_and_readmissions_to_another_prison():
    scenario = region()
    releases = [d for c in scenario.officers.values() for d in named(c, "RecordRelease")]
    assert {r["release_type"] for r in releases} >= {
        "expiration", "parole", "conditional_leave", "pre_release_leave", "assimilation"}
    released_in = {r["participant_id"]: p for p, c in scenario.officers.items()
                   for r in named(c, "RecordRelease")}
    transferred = {d["participant_id"] for c in scenario.officers.values()
                   for d in named(c, "RecordTransfer")}
    elsewhere = [d for p, c in scenario.officers.items() for d in named(c, "RegisterParticipant")
                 if released_in.get(d["participant_id"], p) != p
                 and d["participant_id"] not in transferred]
    assert len(elsewhere) > 0 and transferred
    for prison in NEW_PRISONS:
        histories = Counter(name for _, name, _ in scenario.officers[prison.slug]
                            if name.endswith("Agreement"))
        assert histories["SignAgreement"] >= 2


def test_participants_are_pseudonyms_and_batches_are_independent():
    for prison, commands in region().officers.items():
        for _, name, data in commands:
            if "participant_id" in data:
                assert not {"nik", "name", "register_number"} & set(data), name
        for group in batches(commands):
            writes = [(n, d.get("program_id") if n in ("EnrollParticipant", "AdvancePhase")
                       else d.get("session_id") or d.get("participant_id")
                       or d.get("agreement_id")) for _, n, d in group]
            assert len({w for _, w in writes}) == len(writes), prison


@pytest.mark.nats
@pytest.mark.pg
async def test_the_region_loads_twice_and_writes_once(stack):
    replies = await load_region(stack.nc)
    assert len(replies) == sum(region().counts()) and all(r["ok"] for r in replies)
    assert await load_region(stack.nc) == replies  # retries: nothing written twice
    await stack.caught_up(max(e["seq"] for r in replies for e in r["events"]))
    rows = []
    for year in (2023, 2024, 2025, 2026):
        quotas = await stack.http.get("/quotas", params={"year": year, "level": "prison"})
        rows += [r for r in quotas.json()["items"] if r["prison_id"] in PRISONS]
    assert {r["kanwil_id"] for r in rows} == {KANWIL}
    targeted = [r for r in rows if r["target"]]
    assert {r["prison_id"] for r in targeted} == set(PRISONS)
    assert all(0.7 <= r["realisation_rate"] <= 1.45 for r in targeted)
    jember = (await stack.http.get("/agreements", params={"prison_id": "lapas-jember"})).json()
    assert len(jember["items"]) == 4
    recidivism = (await stack.http.get("/recidivism", params={
        "to": CUTOFF.isoformat(), "window": 24})).json()["items"]
    mine = [r for r in recidivism if r["prison_id"] in PRISONS]
    assert {r["prison_id"] for r in mine} == set(PRISONS)
    assert sum(r["returned_new_offence"] for r in mine) > 0
    assert sum(r["returned_revocation"] for r in mine) > 0
    assert sum(r["transfers"] for r in mine) == len(named(everything(), "RecordTransfer"))
    stock = (await stack.http.get("/recidivism/stock", params={
        "on": CUTOFF.isoformat()})).json()["items"]
    assert sum(r["with_earlier_release"] for r in stock if r["prison_id"] in PRISONS) > 0
    evaluation = (await stack.http.get("/evaluation", params={
        "from": "2023-01-01", "to": CUTOFF.isoformat()})).json()["items"]
    by_program = {(r["prison_id"], r["program_id"]): r for r in evaluation
                  if r["prison_id"] in PRISONS}
    for prison, commands in region().officers.items():
        for launch in named(commands, "LaunchProgram"):
            row = by_program[(prison, launch["program_id"])]
            mine = [c for c in commands if c[2].get("program_id") == launch["program_id"]]
            assert (row["enrolled"], row["completed"], row["withdrawn"], row["sessions_held"]) \
                == tuple(len(named(mine, n)) for n in (
                    "EnrollParticipant", "CompleteParticipant", "WithdrawParticipant",
                    "HoldSession")), launch["name"]
