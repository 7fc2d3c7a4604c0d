"""`/evaluation`'s `released*` and `readmitted*` under contract v2: a transfer is not a
release, a registration in another prison is a readmission, the arrival after a transfer and a
parole revocation are not."""

from datetime import date

import pytest

from services.reporting.read.evaluation import evaluation_report
from services.reporting.read.figures import Window
from tests.integration.test_evaluation_sql import Log, apply, uid

pytestmark = pytest.mark.pg

X, Y = "lapas-pamekasan", "lapas-sumenep"


async def test_returns_follow_the_person_across_prisons(conn):
    agreement, program = uid(), uid()
    moved_on_parole, registered_elsewhere, transferred, readmitted = (uid() for _ in range(4))
    log = Log()
    log.sign(X, agreement, "yayasan-gennesa", "2024-01-01", "2027-12-31")
    log.program(X, program, "ProgramLaunched", agreement_id=agreement, name="Rehabilitasi",
                cohort="I", activities=["counseling"], starts_on="2025-01-06",
                ends_on="2025-02-28", capacity=20)
    for who in (moved_on_parole, registered_elsewhere, transferred, readmitted):
        log.person(X, who, "ParticipantRegistered", case_type="narcotics_user",
                   admitted_on="2024-06-01")
        log.member(X, program, who, "2025-01-06", "2025-02-28", "completed")
    released = {"released_on": "2025-03-01", "release_type": "expiration"}
    # Registered in Y two months after the release: a readmission (contract v2).
    log.person(X, registered_elsewhere, "ParticipantReleased", **released)
    log.person(Y, registered_elsewhere, "ParticipantRegistered", case_type="narcotics_user",
               admitted_on="2025-05-01")
    # Parole revoked, then transferred to Y and registered there: no readmission.
    log.person(X, moved_on_parole, "ParticipantReleased", released_on="2025-03-01",
               release_type="parole")
    log.person(X, moved_on_parole, "ConditionalReleaseRevoked", revoked_on="2025-04-01",
               reason="violation_of_conditions")
    log.person(X, moved_on_parole, "ParticipantTransferred", transferred_on="2025-05-01",
               to_prison_id=Y)
    log.person(Y, moved_on_parole, "ParticipantRegistered", case_type="narcotics_user",
               admitted_on="2025-05-01")
    # Transferred, never released: not counted.
    log.person(X, transferred, "ParticipantTransferred", transferred_on="2025-03-01",
               to_prison_id=Y)
    log.person(Y, transferred, "ParticipantRegistered", case_type="narcotics_user",
               admitted_on="2025-03-01")
    # Readmitted in X itself.
    log.person(X, readmitted, "ParticipantReleased", **released)
    log.person(X, readmitted, "ParticipantReadmitted", readmitted_on="2025-06-01")
    await apply(conn, log.events)

    [row] = await evaluation_report(conn, Window(date(1, 1, 1), date(2026, 10, 31)))
    # released: three (not the transfer); +6 and +12 months ≤ to for all three; readmitted:
    # registered_elsewhere (2 months) and readmitted (3 months); +24 months is after `to`.
    assert {k: row[k] for k in ("released", "released_6m", "readmitted_6m", "released_12m",
                                "readmitted_12m", "released_24m", "readmitted_24m")} == {
        "released": 3, "released_6m": 3, "readmitted_6m": 2, "released_12m": 3,
        "readmitted_12m": 2, "released_24m": 0, "readmitted_24m": 0}
