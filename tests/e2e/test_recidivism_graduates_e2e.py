"""`/recidivism` narrowed to programme graduates on a real stack (NATS, the projections,
PostgreSQL, HTTP): "the recidivism of last year's graduates by follow-up window".

Prison A runs P1 (2025, partner X) and P2 (2024, partner Y). Everyone is registered in A on
2023-06-01. (A program id in several prisons, 400 without `prison_id`, cannot be made with
today's commands, which refuse a new id used elsewhere: tests/unit covers it.)
- g1: P1, completed 2025-06-30, final release 2025-07-15, registered in B 2026-02-16 (a new
  offence 7 months on);
- g2: P2, completed 2024-12-20, final release 2025-03-01, no return;
- g3: P1, completed 2025-11-28, parole 2026-01-10 (a 2025 graduate in cohort 2026);
- n1: P1, withdrawn 2025-04-01, final release 2025-07-15 (enrolled, not a graduate);
- n2: never enrolled, final release 2025-08-01.
12-month window, `to` 2026-11-30: every 2025 release is followed (horizons by 2026-08-01),
g3's is still open (2027-01-10). Unfiltered, A's cohort 2025 is g1, g2, n1, n2 (1 returned);
2025 graduates: g1 (returned, rate 1.0) and g3 in cohort 2026; 2024 graduates: g2 (rate 0.0).
"""

import uuid

from tests.e2e.helpers import agreement, enrolling, last_seq, launching, ok, withdrawing

TO = "2026-11-30"


def cohort(prison, year, released, *, conditional=0, followed=0, still_open=0, new=0):
    return {"prison_id": prison, "cohort": year, "window_months": 12, "released": released,
            "conditional": conditional, "final": released - conditional, "excluded_died": 0,
            "excluded_window_open": still_open, "followed": followed,
            "returned_new_offence": new, "returned_revocation": 0, "returned": new,
            "recidivism_rate": new / followed if followed else None, "transfers": 0}


async def scenario(stack, a, b, x, y):
    async def cmd(prison, command, /, **data):
        return ok(await stack.command(prison, "programs", command, data))

    async def launch(prison, program_id, partner, **over):
        signed = await agreement(stack, prison, partner={
            "id": partner, "name": "Mitra", "kind": "foundation"}, signed_on="2023-12-01",
            effective_from="2024-01-01")
        await cmd(prison, "LaunchProgram", **launching(program_id, signed, **over))

    p1, p2 = str(uuid.uuid4()), str(uuid.uuid4())
    await launch(a, p1, x)
    await launch(a, p2, y, starts_on="2024-01-01", ends_on="2024-12-31")
    g1, g2, g3, n1, n2 = [str(uuid.uuid4()) for _ in range(5)]
    for person in (g1, g2, g3, n1, n2):
        await cmd(a, "RegisterParticipant", participant_id=person, case_type="narcotics_user",
                  admitted_on="2023-06-01")
    for person, program_id, on in ((g1, p1, "2025-03-03"), (g2, p2, "2024-02-01"),
                                   (g3, p1, "2025-03-03"), (n1, p1, "2025-03-03")):
        await cmd(a, "EnrollParticipant", **enrolling(program_id, person, on))
    for person, program_id, on in ((g1, p1, "2025-06-30"), (g2, p2, "2024-12-20"),
                                   (g3, p1, "2025-11-28")):
        await cmd(a, "CompleteParticipant", program_id=program_id, participant_id=person,
                  completed_on=on)
    await cmd(a, "WithdrawParticipant", **withdrawing(p1, n1))
    for person, on, kind in ((g1, "2025-07-15", "expiration"), (g2, "2025-03-01", "expiration"),
                             (g3, "2026-01-10", "parole"), (n1, "2025-07-15", "expiration"),
                             (n2, "2025-08-01", "expiration")):
        await cmd(a, "RecordRelease", participant_id=person, released_on=on, release_type=kind)
    await cmd(b, "RegisterParticipant", participant_id=g1, case_type="narcotics_user",
              admitted_on="2026-02-16")
    return p1, p2


async def test_recidivism_of_graduates_by_year_program_and_partner(stack):
    suffix = uuid.uuid4().hex[:8]
    a, b, x, y = (f"{name}-{suffix}" for name in ("lapas-a", "lapas-b", "mitra-x", "mitra-y"))
    p1, p2 = await scenario(stack, a, b, x, y)
    await stack.caught_up(await last_seq(stack))

    async def items(**params):
        response = await stack.http.get("/recidivism", params={"to": TO, "window": 12,
                                                               **params})
        assert response.status_code == 200, response.text
        return response.json()["items"]

    in_2026 = cohort(a, 2026, 1, conditional=1, still_open=1)
    assert await items(prison_id=a) == [cohort(a, 2025, 4, followed=4, new=1), in_2026]
    last_years = [cohort(a, 2025, 1, followed=1, new=1), in_2026]
    assert await items(prison_id=a, graduated_in=2025) == last_years
    assert await items(graduated_in=2025, partner_id=x) == last_years
    assert await items(program_id=p1, prison_id=a) == last_years
    assert await items(program_id=p1) == last_years
    graduates_2024 = [cohort(a, 2025, 1, followed=1)]
    assert await items(prison_id=a, graduated_in=2024) == graduates_2024
    assert await items(program_id=p2) == graduates_2024  # only in A: no prison_id needed
    assert await items(partner_id=y, cohort=2025) == graduates_2024
    assert await items(program_id=p2, graduated_in=2025) == []
    assert await items(prison_id=b, graduated_in=2025) == []

    unknown = await stack.http.get("/recidivism", params={"program_id": str(uuid.uuid4())})
    assert unknown.status_code == 404, unknown.text
    rows = (await stack.http.get("/recidivism", params={
        "to": TO, "window": 12, "graduated_in": 2025, "partner_id": x, "format": "csv"})
            ).text.splitlines()
    assert [r.split(",")[:4] for r in rows[1:]] == [[a, "2025", "12", "1"], [a, "2026", "12", "1"]]
