"""Issue 13's hand-computed scenario across two prisons, through the public commands and the
reports: a transfer, a parole revoked, a readmission to the other prison, a death and a positive
urine test, and what `/evaluation`, `/regional` and `/recidivism` make of them.

Prison A runs one program (2025-03-01..2025-12-31) with five participants p1..p5, enrolled on
2025-03-03 and all completing on 2025-06-30. Then:
- p1: parole 2025-07-01, revoked 2025-09-01 (a revocation: back in A, not a readmission);
- p2: final release 2025-07-15, registered in B 2026-02-16 (a new offence elsewhere, 7 months on);
- p3: transferred to B 2025-08-01 and registered there that day (not a release, not a return);
- p4: final release 2025-08-01, died 2025-10-01;
- p5: a random test on 2025-04-10 naming the program, methamphetamine positive (violation open).
Counted on `to` = 2026-11-30:
- /evaluation (contract definitions): released = p1, p2, p4 = 3 (the transfer is not a
  release); released_6m = released_12m = 3 (each ≥ 12 months before `to`), released_24m = 0;
  readmitted_6m = 0 (p2 came back after 7 months; p1's revocation is no readmission),
  readmitted_12m = 1 (p2), readmitted_24m = 0; urine: 1 test, 1 positive, rate 1.0,
  1 violation, still open, none sanctioned.
- /recidivism, A, cohort 2025: released 3 (conditional 1: p1; final 2: p2, p4), transfers 1
  (p3). 6 months: p4 died before any return (excluded), followed 2, p1's revocation within
  (2025-09-01 ≤ 2026-01-01), p2's return after (2026-02-16 > 2026-01-15): returned 1, rate 0.5.
  12 months: p2's new offence within too: returned 2 (1 new offence, 1 revocation), rate 1.0.
  24 and 36 months: every window still open on `to` (p4 excluded as dead first), followed 0.
"""

import uuid

from tests.e2e.helpers import enrol, last_seq, program, programs_ok

TO = "2026-11-30"


async def scenario(stack, a: str, b: str) -> str:
    async def cmd(prison, name, **data):
        await programs_ok(stack, prison, name, **data)

    program_id = await program(stack, a)
    p1, p2, p3, p4, p5 = [await enrol(stack, a, program_id) for _ in range(5)]
    for person in (p1, p2, p3, p4, p5):
        await cmd(a, "CompleteParticipant", program_id=program_id, participant_id=person,
                  completed_on="2025-06-30")
    await cmd(a, "RecordUrineTest", participant_id=p5, test_id=str(uuid.uuid4()),
              tested_on="2025-04-10", kind="random", point=None, panel=["methamphetamine"],
              results={"methamphetamine": "positive"}, witnessed=True, program_id=program_id)
    await cmd(a, "RecordRelease", participant_id=p1, released_on="2025-07-01",
              release_type="parole")
    await cmd(a, "RevokeParole", participant_id=p1, revoked_on="2025-09-01",
              reason="violation_of_conditions")
    await cmd(a, "RecordRelease", participant_id=p2, released_on="2025-07-15",
              release_type="expiration")
    await cmd(b, "RegisterParticipant", participant_id=p2, case_type="narcotics_user",
              admitted_on="2026-02-16")
    await cmd(a, "RecordTransfer", participant_id=p3, transferred_on="2025-08-01",
              to_prison_id=b)
    await cmd(b, "RegisterParticipant", participant_id=p3, case_type="narcotics_user",
              admitted_on="2025-08-01")
    await cmd(a, "RecordRelease", participant_id=p4, released_on="2025-08-01",
              release_type="expiration")
    await cmd(a, "RecordDeath", participant_id=p4, died_on="2025-10-01")
    return program_id


def cohort_row(a: str, months: int, died: int, still_open: int, new: int, revoked: int) -> dict:
    followed = 3 - died - still_open
    return {"prison_id": a, "cohort": 2025, "window_months": months, "released": 3,
            "conditional": 1, "final": 2, "excluded_died": died,
            "excluded_window_open": still_open, "followed": followed,
            "returned_new_offence": new, "returned_revocation": revoked,
            "returned": new + revoked,
            "recidivism_rate": (new + revoked) / followed if followed else None,
            "transfers": 1}


async def test_evaluation_and_recidivism_of_two_prisons(stack):
    suffix = uuid.uuid4().hex[:8]
    a, b = f"lapas-a-{suffix}", f"lapas-b-{suffix}"
    program_id = await scenario(stack, a, b)
    await stack.caught_up(await last_seq(stack))

    async def items(path, **params):
        response = await stack.http.get(path, params={"to": TO, **params})
        assert response.status_code == 200, response.text
        return response.json()["items"]

    [row] = await items("/evaluation", prison_id=a)
    expected = {"program_id": program_id, "enrolled": 5, "completed": 5, "active": 0,
                "released": 3, "released_6m": 3, "readmitted_6m": 0, "released_12m": 3,
                "readmitted_12m": 1, "released_24m": 0, "readmitted_24m": 0,
                "urine_tests": 1, "urine_positive": 1, "positivity_rate": 1.0, "violations": 1,
                "violations_open": 1, "violations_sanctioned": 0}
    assert {k: row[k] for k in expected} == expected
    [regional] = [r for r in await items("/regional") if r["prison_id"] == a]
    assert {k: regional[k] for k in expected if k != "program_id"} == {
        k: v for k, v in expected.items() if k != "program_id"}
    assert await items("/evaluation", prison_id=b) == []  # B runs no program

    assert await items("/recidivism", prison_id=a, cohort=2025) == [
        cohort_row(a, 6, died=1, still_open=0, new=0, revoked=1),
        cohort_row(a, 12, died=1, still_open=0, new=1, revoked=1),
        cohort_row(a, 24, died=1, still_open=2, new=0, revoked=0),
        cohort_row(a, 36, died=1, still_open=2, new=0, revoked=0)]
    assert await items("/recidivism", prison_id=b, cohort=2025) == []  # B released nobody
