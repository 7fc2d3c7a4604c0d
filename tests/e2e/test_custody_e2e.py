"""The custody commands of issue 13 §5 over NATS (RecordRelease v2, RecordTransfer,
RevokeParole, RecordDeath), and `/recidivism` over HTTP against a hand-computed scenario of two
prisons."""

import csv
import io
import uuid

from tests.e2e.helpers import last_seq, ok, participant, programs_ok, refused

TO = "2026-06-30"


async def audit_data(stack, prison_id, participant_id):
    response = await stack.http.get(f"/audit/participant/{participant_id}",
                                    params={"prison_id": prison_id})
    assert response.status_code == 200, response.text
    return [(e["type"], e["data"]) for e in response.json()["events"]]


async def test_custody_commands(stack, prison_id):
    async def cmd(name, data):
        return await stack.command(prison_id, "programs", name, data)

    paroled = await participant(stack, prison_id)
    ok(await cmd("RecordRelease", {"participant_id": paroled, "released_on": "2025-06-02",
                                   "release_type": "parole"}), 2, "ParticipantReleased")
    refused(await cmd("RevokeParole", {"participant_id": paroled, "revoked_on": "2025-06-01",
                                       "reason": "new_offence"}), "rule", "revoked_on")
    ok(await cmd("RevokeParole", {"participant_id": paroled, "revoked_on": "2025-08-04",
                                  "reason": "new_offence"}), 3, "ConditionalReleaseRevoked")
    refused(await cmd("RevokeParole", {"participant_id": paroled, "revoked_on": "2025-08-05",
                                       "reason": "other"}), "rule", "revoked_on")

    moved = await participant(stack, prison_id)
    refused(await cmd("RecordTransfer", {"participant_id": moved, "transferred_on": "2025-05-01",
                                         "to_prison_id": prison_id}), "rule", "to_prison_id")
    refused(await cmd("RecordTransfer", {"participant_id": moved, "transferred_on": "2025-05-01",
                                         "to_prison_id": "Lapas Jember"}),
            "invalid", "data.to_prison_id")
    ok(await cmd("RecordTransfer", {"participant_id": moved, "transferred_on": "2025-05-01",
                                    "to_prison_id": "lapas-jember"}), 2, "ParticipantTransferred")
    refused(await cmd("RecordDeath", {"participant_id": moved, "died_on": "2025-05-02"}),
            "rule", "died_on")

    final = await participant(stack, prison_id)
    refused(await cmd("RecordRelease", {"participant_id": final, "released_on": "2025-07-01",
                                        "release_type": "expiration", "conditional": True}),
            "rule", "conditional")
    ok(await cmd("RecordRelease", {"participant_id": final, "released_on": "2025-07-01",
                                   "release_type": "other", "conditional": False}), 2)
    ok(await cmd("RecordDeath", {"participant_id": final, "died_on": "2025-09-09"}), 3,
       "ParticipantDied")
    refused(await cmd("RecordReadmission", {"participant_id": final,
                                            "readmitted_on": "2025-10-01"}), "rule")

    await stack.caught_up(await last_seq(stack))
    assert await audit_data(stack, prison_id, paroled) == [
        ("ParticipantRegistered", {"case_type": "narcotics_user", "admitted_on": "2025-01-10"}),
        ("ParticipantReleased", {"released_on": "2025-06-02", "release_type": "parole",
                                 "conditional": True}),
        ("ConditionalReleaseRevoked", {"revoked_on": "2025-08-04", "reason": "new_offence"})]
    assert (await audit_data(stack, prison_id, moved))[1:] == [
        ("ParticipantTransferred", {"transferred_on": "2025-05-01",
                                    "to_prison_id": "lapas-jember"})]
    assert (await audit_data(stack, prison_id, final))[1:] == [
        ("ParticipantReleased", {"released_on": "2025-07-01", "release_type": "other",
                                 "conditional": False}),
        ("ParticipantDied", {"died_on": "2025-09-09"})]


async def two_prisons(stack, a, b):
    """The scenario (cohort 2024; `to` 2026-06-30):
    - p1 (a): parole 2024-02-01, revoked 2024-05-01; transferred to b 2024-11-01, registered
      there that day (a transfer's arrival, not a return);
    - p2 (a): final 2024-03-01; registered in b 2024-10-15 (a new offence, 7½ months later);
    - p3 (a): transferred to b 2024-04-01, registered there that day; final release from b
      2024-09-01, never back;
    - p4 (b): parole 2024-06-01, died 2024-08-01;
    - p5 (a): final 2024-07-01, never back (followed 6 and 12 months; 24 not elapsed)."""
    async def cmd(prison, name, **data):
        await programs_ok(stack, prison, name, **data)

    def pid():
        return str(uuid.uuid4())

    p1, p2, p3, p4, p5 = (pid() for _ in range(5))
    for prison, person, admitted in ((a, p1, "2023-01-10"), (a, p2, "2023-03-01"),
                                     (a, p3, "2023-05-01"), (b, p4, "2023-06-01"),
                                     (a, p5, "2023-02-01")):
        await cmd(prison, "RegisterParticipant", participant_id=person,
                  case_type="narcotics_user", admitted_on=admitted)
    await cmd(a, "RecordRelease", participant_id=p1, released_on="2024-02-01",
              release_type="parole")
    await cmd(a, "RevokeParole", participant_id=p1, revoked_on="2024-05-01",
              reason="violation_of_conditions")
    await cmd(a, "RecordTransfer", participant_id=p1, transferred_on="2024-11-01",
              to_prison_id=b)
    await cmd(b, "RegisterParticipant", participant_id=p1, case_type="narcotics_user",
              admitted_on="2024-11-01")
    await cmd(a, "RecordRelease", participant_id=p2, released_on="2024-03-01",
              release_type="expiration")
    await cmd(b, "RegisterParticipant", participant_id=p2, case_type="narcotics_user",
              admitted_on="2024-10-15")
    await cmd(a, "RecordTransfer", participant_id=p3, transferred_on="2024-04-01",
              to_prison_id=b)
    await cmd(b, "RegisterParticipant", participant_id=p3, case_type="narcotics_user",
              admitted_on="2024-04-01")
    await cmd(b, "RecordRelease", participant_id=p3, released_on="2024-09-01",
              release_type="expiration")
    await cmd(b, "RecordRelease", participant_id=p4, released_on="2024-06-01",
              release_type="parole")
    await cmd(b, "RecordDeath", participant_id=p4, died_on="2024-08-01")
    await cmd(a, "RecordRelease", participant_id=p5, released_on="2024-07-01",
              release_type="expiration")


def rows(prison, released, conditional, final, transfers, *windows):
    """`windows`: per 6/12/24/36 months, (died, open, new_offence, revocation)."""
    out = []
    for months, (died, still_open, new, revoked) in zip((6, 12, 24, 36), windows, strict=True):
        followed = released - died - still_open
        out.append({
            "prison_id": prison, "cohort": 2024, "window_months": months,
            "released": released, "conditional": conditional, "final": final,
            "excluded_died": died, "excluded_window_open": still_open, "followed": followed,
            "returned_new_offence": new, "returned_revocation": revoked,
            "returned": new + revoked,
            "recidivism_rate": (new + revoked) / followed if followed else None,
            "transfers": transfers})
    return out


async def test_recidivism_of_two_prisons(stack):
    suffix = uuid.uuid4().hex[:8]
    a, b = f"lapas-a-{suffix}", f"lapas-b-{suffix}"
    await two_prisons(stack, a, b)
    await stack.caught_up(await last_seq(stack))
    # a: p1 (conditional), p2, p5 (final) released; p1 and p3 transferred out (not counted).
    # 6m: p1 revoked after 3 months; p2 back after 7½ (outside); p5 not back.
    # 12m: + p2's new offence. 24m: p5's window (to 2026-07-01) still open. 36m: all open.
    expected_a = rows(a, 3, 1, 2, 2, (0, 0, 0, 1), (0, 0, 1, 1), (0, 1, 1, 1), (0, 3, 0, 0))
    # b: p3 (final, its arrival on transfer no return) and p4 (conditional, died first).
    expected_b = rows(b, 2, 1, 1, 0, (1, 0, 0, 0), (1, 0, 0, 0), (1, 1, 0, 0), (1, 1, 0, 0))

    async def get(path="/recidivism", **params):
        dated = {"to": TO} if path == "/recidivism" else {}
        response = await stack.http.get(path, params={**dated, **params})
        assert response.status_code == 200, response.text
        return response

    assert (await get(prison_id=a)).json()["items"] == expected_a
    assert (await get(prison_id=b, cohort=2024)).json()["items"] == expected_b
    mine = [r for r in (await get(window=12)).json()["items"] if r["prison_id"] in (a, b)]
    assert mine == [expected_a[1], expected_b[1]]
    assert (await get(prison_id=a, cohort=2023)).json()["items"] == []
    header, *lines = csv.reader(io.StringIO((await get(prison_id=b, format="csv")).text))
    assert header == list(expected_b[0]) and len(lines) == 4
    assert dict(zip(header, lines[2], strict=True))["recidivism_rate"] == ""
    bad = await stack.http.get("/recidivism", params={"window": 7})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid"

    # The stock measure on 2025-01-01: in b, p1, p2 (earlier release 2024-03-01: one) and
    # not p3 (released) nor p4 (died); in a nobody (all released or transferred).
    stock = (await get("/recidivism/stock", on="2025-01-01", prison_id=b)).json()["items"]
    assert stock == [{"prison_id": b, "on": "2025-01-01", "in_custody": 2,
                      "with_earlier_release": 1, "share": 0.5}]
    assert (await get("/recidivism/stock", on="2025-01-01", prison_id=a)).json()["items"] == []
