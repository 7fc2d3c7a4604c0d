"""`/programs/{id}/participants` (the roster with phases) and the plan on `/programs/{id}`, over
the hand-written fakes of test_reporting_app and the token checks of test_reporting_access."""

import csv
import io

from services.reporting.http.models import ROSTER_COLUMNS
from tests.unit.test_reporting_access import B, C, ScopedFake, bearer, refused
from tests.unit.test_reporting_access import client as scoped_client
from tests.unit.test_reporting_app import PROGRAM, PROGRAM_ID, FakeDeps, assert_error, client

P1, P2 = "9a000000-0000-4000-8000-000000000001", "9a000000-0000-4000-8000-000000000002"
ROSTER = [
    {"participant_id": P1, "status": "active", "enrolled_on": "2025-03-03", "left_on": None,
     "phase": "primary", "phase_since": "2025-04-02"},
    {"participant_id": P2, "status": "withdrawn", "enrolled_on": "2025-03-04",
     "left_on": "2025-03-20", "phase": "induction", "phase_since": "2025-03-04"},
]
URL = f"/programs/{PROGRAM_ID}/participants"


class Rosters:
    """Adds the roster read to a fake: the rows of PROGRAM_ID in whatever prison is asked."""

    async def roster(self, schema, prison_id, program_id):
        self.schemas.append(schema)
        self.calls.append(("roster", prison_id, program_id))
        return ROSTER if program_id == PROGRAM_ID else []


class RosterFake(Rosters, FakeDeps):
    pass


class ScopedRosterFake(Rosters, ScopedFake):
    pass


async def test_the_roster_lists_each_membership_with_its_phase():
    fake = RosterFake()
    async with client(fake) as http:
        response = await http.get(URL)
        as_csv = await http.get(URL, params={"format": "csv", "prison_id": PROGRAM["prison_id"]})
    assert response.status_code == 200 and response.json() == {"items": ROSTER}
    assert ("roster", PROGRAM["prison_id"], PROGRAM_ID) in fake.calls
    header, active, withdrawn = csv.reader(io.StringIO(as_csv.text))
    assert header == list(ROSTER_COLUMNS) == list(ROSTER[0])
    assert active == [P1, "active", "2025-03-03", "", "primary", "2025-04-02"]
    assert withdrawn[3:] == ["2025-03-20", "induction", "2025-03-04"]


async def test_the_roster_of_an_unknown_program_is_404_and_reads_no_roster():
    fake = RosterFake()
    async with client(fake) as http:
        response = await http.get("/programs/5a1c0000-0000-4000-8000-00000000dead/participants")
        bad = await http.get("/programs/NOT-A-UUID/participants")
    assert_error(response, 404, "not_found", [])
    assert_error(bad, 400, "invalid", ["program_id"])
    assert not [c for c in fake.calls if c[0] == "roster"]


async def test_an_id_in_two_prisons_needs_prison_id_and_the_roster_is_that_prisons():
    fake = RosterFake()
    fake.reports = [PROGRAM, {**PROGRAM, "prison_id": B}]
    async with client(fake) as http:
        ambiguous = await http.get(URL)
        chosen = await http.get(URL, params={"prison_id": B})
    assert_error(ambiguous, 400, "invalid", ["prison_id"])
    assert chosen.status_code == 200 and fake.calls[-1] == ("roster", B, PROGRAM_ID)


async def test_a_token_sees_only_the_roster_of_its_prisons():
    fake = ScopedRosterFake()  # the program exists in A and in B
    async with scoped_client(fake) as http:
        mine = await http.get(URL, headers=bearer())
        other = await http.get(URL, params={"prison_id": B}, headers=bearer())
        nobody = await http.get(URL)
    assert mine.status_code == 200 and fake.calls[-1] == ("roster", PROGRAM["prison_id"],
                                                          PROGRAM_ID)
    refused(other, 403, "forbidden")
    refused(nobody, 401, "unauthenticated")
    fake.reports = [{**PROGRAM, "prison_id": C}]
    async with scoped_client(fake) as http:
        refused(await http.get(URL, headers=bearer()), 403, "forbidden")


async def test_as_of_reads_the_roster_from_the_replay():
    fake = RosterFake()
    async with client(fake) as http:
        response = await http.get(URL, params={"as_of": "after_sign"})
    assert response.status_code == 200
    assert fake.schemas[-2:] == ["asof_after_sign"] * 2  # the program and its roster


async def test_the_program_report_shows_its_plan_and_phase_counts_in_order():
    async with client(RosterFake()) as http:
        body = (await http.get(f"/programs/{PROGRAM_ID}")).json()
        row = (await http.get(f"/programs/{PROGRAM_ID}", params={"format": "csv"})).text
    assert (body["track"], body["planned_days"]) == ("social", 180)
    assert list(body["phase_counts"].items()) == [("induction", 2), ("primary", 7)]
    header, cells = csv.reader(io.StringIO(row))
    assert header[-4:] == ["track", "planned_days", "phases", "phase_counts"]
    assert cells[-2:] == ['[{"name":"induction","days":30},{"name":"primary","days":150}]',
                          '{"induction":2,"primary":7}']
