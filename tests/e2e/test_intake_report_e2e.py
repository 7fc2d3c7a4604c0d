"""`GET /intake` through the whole stack (commands → log → `intake` projection → HTTP) against
a hand-computed scenario, as JSON and CSV, and filtered by a bearer token.

Prison A, window 2025-03-01..2025-03-31 (weekdays: 03-03 and 03-17 are Mondays):
- p1: screened 03-03 (Mon) high; referred, concluded, placed 03-17 medical inside: 14
  calendar days, 10 working days.
- p2: 03-05 (Wed) moderate; referred, concluded, waitlisted, placed 04-02 social outside: 28
  days, 20 working days.
- p3: 03-07 (Fri) moderate; referred, concluded, waitlisted (still waiting).
- p4: 03-10 low (drug education only).
- p5: 03-10 high; referred, concluded, refused.
- p6: 03-12 moderate; ineligible right after the screening.
- p7: 03-14 high; referred (no conclusion yet).
- p8: 03-03 (Mon) high; … placed 03-21 (Fri) social inside: 18 days, 14 working (within).
- p9: 03-03 (Mon) high; … placed 03-24 (Mon) medical outside: 21 days, 15 working (late).
- p10: 03-03 low (stay 1), released 03-20, readmitted 03-25, 03-26 moderate (stay 2).
- p11: 02-27 high (before `from`); p12: 04-07 high (after `to`): not counted.
So: screened 11 (low 2, moderate 4, high 5), referred 7, assessed 6, placed 4 (medical 2,
social 2, inside 2, outside 2), waitlisted 1, refused 1, ineligible 1, decided 4, days
14/18/21/28: median 19.5, max 28; within 14 working days 2 (p1, p8): rate 0.5.
Prison B: one low screening: zeros, and nulls where nothing was decided.
"""

import csv
import io
import uuid
from datetime import timedelta

import httpx
import pytest

from ops.tokens import ensure_token_key, issue_token, scope_of
from services.reporting.http.intake import INTAKE_COLUMNS
from tests.e2e.helpers import last_seq, ok, participant
from tests.e2e.test_intake_commands import (
    conclusion,
    ineligibility,
    placement,
    referral,
    refusal,
    screening,
    waiting,
)

pytestmark = [pytest.mark.nats, pytest.mark.pg]
WINDOW = {"from": "2025-03-01", "to": "2025-03-31"}
EXPECTED_A = {
    "screened": 11, "screened_low": 2, "screened_moderate": 4, "screened_high": 5,
    "referred": 7, "assessed": 6, "placed": 4, "placed_medical": 2, "placed_social": 2,
    "placed_inside": 2, "placed_outside": 2, "waitlisted": 1, "refused": 1, "ineligible": 1,
    "decided": 4, "days_to_decision_median": 19.5, "days_to_decision_max": 28,
    "decided_within_14_working_days": 2, "timeliness_rate": 0.5}
EXPECTED_B = {**dict.fromkeys(EXPECTED_A, 0), "screened": 1, "screened_low": 1,
              "days_to_decision_median": None, "days_to_decision_max": None,
              "timeliness_rate": None}


def assessed(pid, screened, risk, referred, concluded, track="social"):
    return [("RecordScreening", screening(pid, risk, screened)),
            ("ReferForAssessment", referral(pid, referred)),
            ("ConcludeAssessment", conclusion(pid, concluded, track))]


def scenario(p):
    """Each participant's commands (p: index -> participant id), as in the module's table."""
    return [
        *assessed(p[1], "2025-03-03", "high", "2025-03-04", "2025-03-10", "medical"),
        ("DecidePlacement", placement(p[1], "2025-03-17", "medical")),
        *assessed(p[2], "2025-03-05", "moderate", "2025-03-06", "2025-03-12"),
        ("WaitlistParticipant", waiting(p[2], "2025-03-14")),
        ("DecidePlacement", placement(p[2], "2025-04-02", setting="outside")),
        *assessed(p[3], "2025-03-07", "moderate", "2025-03-10", "2025-03-14"),
        ("WaitlistParticipant", waiting(p[3], "2025-03-17")),
        ("RecordScreening", screening(p[4], "low", "2025-03-10")),
        *assessed(p[5], "2025-03-10", "high", "2025-03-11", "2025-03-14"),
        ("RecordRefusal", refusal(p[5], "2025-03-18")),
        ("RecordScreening", screening(p[6], "moderate", "2025-03-12")),
        ("RecordIneligibility", ineligibility(p[6], "2025-03-13")),
        ("RecordScreening", screening(p[7], "high", "2025-03-14")),
        ("ReferForAssessment", referral(p[7], "2025-03-17")),
        *assessed(p[8], "2025-03-03", "high", "2025-03-04", "2025-03-07"),
        ("DecidePlacement", placement(p[8], "2025-03-21")),
        *assessed(p[9], "2025-03-03", "high", "2025-03-04", "2025-03-07", "medical"),
        ("DecidePlacement", placement(p[9], "2025-03-24", "medical", setting="outside")),
        ("RecordScreening", screening(p[10], "low", "2025-03-03")),
        ("RecordRelease", {"participant_id": p[10], "released_on": "2025-03-20",
                           "release_type": "parole"}),
        ("RecordReadmission", {"participant_id": p[10], "readmitted_on": "2025-03-25"}),
        ("RecordScreening", screening(p[10], "moderate", "2025-03-26")),
        ("RecordScreening", screening(p[11], "high", "2025-02-27")),
        ("RecordScreening", screening(p[12], "high", "2025-04-07")),
    ]


@pytest.fixture(scope="module")
async def prisons(stack):
    suffix = uuid.uuid4().hex[:8]
    a, b = f"lapas-a-{suffix}", f"lapas-b-{suffix}"
    p = {n: await participant(stack, a) for n in range(1, 13)}
    for name, data in scenario(p):
        ok(await stack.command(a, "programs", name, data))
    ok(await stack.command(b, "programs", "RecordScreening",
                           screening(await participant(stack, b), "low", "2025-03-05")))
    await stack.caught_up(await last_seq(stack))
    return a, b


def rows(response, *prisons):
    assert response.status_code == 200, response.text
    return [row for row in response.json()["items"] if row["prison_id"] in prisons]


async def test_the_figures_of_the_hand_computed_scenario(stack, prisons):
    a, b = prisons
    found = rows(await stack.http.get("/intake", params=WINDOW), a, b)
    assert found == [{"prison_id": a, **EXPECTED_A}, {"prison_id": b, **EXPECTED_B}]
    only_a = await stack.http.get("/intake", params={**WINDOW, "prison_id": a})
    assert only_a.json()["items"] == [{"prison_id": a, **EXPECTED_A}]
    # Without `from`, p11 (screened 02-27) counts too: one more high-risk screening.
    wider = rows(await stack.http.get("/intake", params={"to": "2025-03-31", "prison_id": a}), a)
    assert wider[0]["screened"] == 12 and wider[0]["screened_high"] == 6
    wrong = await stack.http.get("/intake", params={"from": "2025-04-01", "to": "2025-03-01"})
    assert wrong.status_code == 400 and wrong.json()["error"]["code"] == "invalid"


async def test_csv_has_the_same_rows(stack, prisons):
    a, _ = prisons
    response = await stack.http.get("/intake", params={**WINDOW, "prison_id": a,
                                                        "format": "csv"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    header, row = list(csv.reader(io.StringIO(response.text)))
    assert header == list(INTAKE_COLUMNS)
    assert dict(zip(header, row, strict=True)) == {
        "prison_id": a, **{k: str(v) for k, v in EXPECTED_A.items()}}


async def test_a_token_sees_only_its_prisons(stack, prisons, secured_reports):
    a, b = prisons
    base_url, creds = secured_reports
    token = issue_token(ensure_token_key(creds), scope_of(a), timedelta(hours=1))
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=base_url, headers=headers) as http:
        response = await http.get("/intake", params=WINDOW)
        assert response.status_code == 200, response.text
        assert [row["prison_id"] for row in response.json()["items"]] == [a]
        forbidden = await http.get("/intake", params={**WINDOW, "prison_id": b})
        assert forbidden.status_code == 403
        assert forbidden.json()["error"]["code"] == "forbidden"
        assert (await http.get("/intake")).status_code == 200
    async with httpx.AsyncClient(base_url=base_url) as anonymous:
        assert (await anonymous.get("/intake")).status_code == 401
