"""Reports addressing one aggregate by id take `?prison_id=` (contract v2, Identifiers): ids are
unique within a prison only, so an id found in several prisons needs it (400 `invalid`)."""

import pytest

from shared.store import Recorded
from tests.unit.test_reporting_app import (
    AID,
    ENVELOPE,
    PROGRAM,
    PROGRAM_ID,
    FakeDeps,
    assert_error,
    client,
)

A, B = "lapas-banyuwangi", "lapas-jember"


def in_two_prisons() -> FakeDeps:
    fake = FakeDeps()
    fake.reports = [PROGRAM, {**PROGRAM, "prison_id": B, "enrolled": 1}]
    fake.trail = [Recorded(3, ENVELOPE), Recorded(9, {**ENVELOPE, "prison_id": B})]
    return fake


@pytest.mark.parametrize("url", [f"/programs/{PROGRAM_ID}", f"/audit/agreement/{AID}"])
async def test_an_id_in_several_prisons_needs_prison_id(url):
    fake = in_two_prisons()
    async with client(fake) as http:
        response = await http.get(url)
        as_csv = await http.get(url, params={"format": "csv"})
    for answer in (response, as_csv):
        assert_error(answer, 400, "invalid", ["prison_id"])
        assert A not in answer.text and B not in answer.text  # no prison is named


async def test_prison_id_picks_that_prisons_aggregate():
    fake = in_two_prisons()
    async with client(fake) as http:
        program = await http.get(f"/programs/{PROGRAM_ID}", params={"prison_id": B})
        trail = await http.get(f"/audit/agreement/{AID}", params={"prison_id": A})
        nowhere = await http.get(f"/programs/{PROGRAM_ID}", params={"prison_id": "lapas-x"})
        no_trail = await http.get(f"/audit/agreement/{AID}", params={"prison_id": "lapas-x"})
    assert program.status_code == 200 and program.json() == {**PROGRAM, "prison_id": B,
                                                              "enrolled": 1}
    assert [e["seq"] for e in trail.json()["events"]] == [3]
    assert_error(nowhere, 404, "not_found", [])
    assert_error(no_trail, 404, "not_found", [])
    assert ("program", PROGRAM_ID, B) in fake.calls and ("audit", "agreement", AID, A) in fake.calls


async def test_an_id_in_one_prison_needs_no_prison_id():
    async with client(FakeDeps()) as http:
        assert (await http.get(f"/programs/{PROGRAM_ID}")).json() == PROGRAM
        assert (await http.get(f"/audit/agreement/{AID}")).status_code == 200

