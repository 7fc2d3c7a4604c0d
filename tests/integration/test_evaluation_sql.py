"""`/evaluation` and `/regional` on a hand-computed scenario, against a real PostgreSQL.

Two prisons, two partners, three programs: PX (lapas-banyuwangi, yayasan-gennesa) and PZ
(lapas-banyuwangi, ipwl-lrppn) in 2025, PY (lapas-jember, ipwl-lrppn) in 2024. Every expected
figure is worked out by hand in the comments next to it.
"""

import random
import uuid
from datetime import date

import asyncpg
import pytest

from services.reporting.projections import projections
from services.reporting.read import evaluation
from services.reporting.read.evaluation import evaluation_report, regional_report
from services.reporting.read.figures import Window
from services.reporting.read.live import LiveReadModel, checkpoint_of
from shared.contract.events import upcast
from shared.projection import apply as apply_batch
from shared.store import Recorded

pytestmark = pytest.mark.pg

X, Y = "lapas-banyuwangi", "lapas-jember"
GENNESA, LRPPN = "yayasan-gennesa", "ipwl-lrppn"
_ids = iter(range(1, 1000))


def uid() -> str:
    return f"00000000-0000-4000-8000-{next(_ids):012d}"


AG, AX2, AX4, AY, AY2 = (uid() for _ in range(5))  # agreements
PX, PZ, PY = uid(), uid(), uid()  # programs
X1, X2, X3, X4, X5, X6, Z1, Z2, Y1, Y2, Y3, Y4 = (uid() for _ in range(12))  # participants
S1, S2, S3, S4, S5, U1, U2, T1, T2, T3, T4 = (uid() for _ in range(11))  # sessions


class Log:
    """Hands out stream sequences and per-aggregate versions, like the event log would."""

    def __init__(self):
        self.events: list[dict] = []
        self.versions: dict[str, int] = {}

    def add(self, prison, kind, aggregate_id, type_, data, day="2025-01-01"):
        self.versions[aggregate_id] = self.versions.get(aggregate_id, 0) + 1
        self.events.append({
            "event_id": str(uuid.uuid4()), "type": type_, "schema_version": 1,
            "prison_id": prison, "aggregate_type": kind, "aggregate_id": aggregate_id,
            "aggregate_version": self.versions[aggregate_id],
            "occurred_at": day if "T" in day else f"{day}T00:00:00+07:00",
            "recorded_at": "2026-11-01T00:00:00+00:00", "actor": f"officer:{prison}:rina",
            "command_id": str(uuid.uuid4()), "correlation_id": str(uuid.uuid4()),
            "causation_id": None, "prev_hash": "", "hash": "", "data": data})

    def sign(self, prison, aid, partner, start, until):
        self.add(prison, "agreement", aid, "AgreementSigned", {
            "number": f"PKS/{aid[-3:]}", "title": "Rehabilitasi", "partner": {
                "id": partner, "name": partner, "kind": "ipwl"},
            "services": ["counseling", "skills_training", "social_guidance"],
            "signed_on": start, "effective_from": start, "effective_until": until,
            "signatories": [], "renews": None, "committed_sessions_per_month": 4}, start)

    def program(self, prison, pid, type_, **data):
        self.add(prison, "program", pid, type_, data)

    def member(self, prison, pid, who, enrolled, left=None, outcome=None, reason="refused"):
        self.program(prison, pid, "ParticipantEnrolled", participant_id=who, enrolled_on=enrolled)
        if outcome == "completed":
            self.program(prison, pid, "ParticipantCompleted", participant_id=who, completed_on=left)
        elif outcome == "withdrawn":
            self.program(prison, pid, "ParticipantWithdrawn", participant_id=who,
                         withdrawn_on=left, reason=reason, note="")

    def person(self, prison, who, type_, **data):
        self.add(prison, "participant", who, type_, data)

    def assess(self, prison, who, program, instrument, phase, score, on):
        self.person(prison, who, "AssessmentRecorded", instrument=instrument, phase=phase,
                    score=score, assessed_on=on, program_id=program)

    def hold(self, prison, sid, pid, at, minutes, activity, marks):
        self.add(prison, "session", sid, "SessionHeld", {
            "program_id": pid, "held_at": at, "duration_minutes": minutes, "activity": activity,
            "topic": "Sesi", "facilitators": [], "attendance": [
                {"participant_id": p, "status": s} for p, s in marks.items()]}, at)

    def correct(self, prison, sid, who, status):
        self.add(prison, "session", sid, "AttendanceCorrected",
                 {"participant_id": who, "status": status, "reason": "salah catat"})


def scenario() -> list[dict]:
    """The log in recording order. The last part is recorded late: back-dated sessions and
    assessments, corrections, and releases recorded after other participants' readmissions."""
    log = Log()
    log.sign(X, AG, GENNESA, "2024-01-01", "2027-12-31")
    log.sign(X, AX2, LRPPN, "2025-01-15", "2026-12-15")
    log.sign(X, AX4, GENNESA, "2024-01-01", "2028-12-31")
    log.add(X, "agreement", AX4, "AgreementTerminated",
            {"terminated_on": "2025-12-01", "reason": "x"})
    log.sign(Y, AY, LRPPN, "2024-01-01", "2025-12-31")
    log.add(Y, "agreement", AY, "AgreementExpired", {"expired_on": "2026-01-01"})
    log.sign(Y, AY2, LRPPN, "2026-01-10", "2028-01-09")
    for prison, pid, aid, name, starts, ends in (
            (X, PX, AG, "Rehabilitasi Sosial", "2025-01-06", "2025-06-30"),
            (X, PZ, AX2, "Keterampilan", "2025-02-01", "2025-05-31"),
            (Y, PY, AY, "Konseling Adiksi", "2024-02-01", "2024-07-31")):
        log.program(prison, pid, "ProgramLaunched", agreement_id=aid, name=name, cohort="I",
                    activities=["counseling"], starts_on=starts, ends_on=ends, capacity=20)
    for prison, who in [*((X, p) for p in (X1, X2, X3, X4, X5, X6, Z1, Z2)),
                        *((Y, p) for p in (Y1, Y2, Y3, Y4))]:
        log.person(prison, who, "ParticipantRegistered", case_type="narcotics_user",
                   admitted_on="2023-06-01")
    # X6 was released and readmitted before enrolling: that release belongs to an earlier stay.
    log.person(X, X6, "ParticipantReleased", released_on="2024-05-01", release_type="parole")
    log.person(X, X6, "ParticipantReadmitted", readmitted_on="2024-09-01")
    for who in (X1, X2, X3, X4, X6):
        log.member(X, PX, who, "2025-01-06")
    log.program(X, PX, "ParticipantWithdrawn", participant_id=X4, withdrawn_on="2025-01-20",
                reason="refused", note="")
    log.member(X, PX, X4, "2025-02-03")  # enrolled again
    log.program(X, PX, "ParticipantWithdrawn", participant_id=X3, withdrawn_on="2025-02-15",
                reason="released", note="")
    log.person(X, X3, "ParticipantReleased", released_on="2025-02-15",
               release_type="assimilation")
    log.member(X, PX, X5, "2025-03-03", "2025-04-14", "withdrawn", "transferred")
    for who in (X1, X2, X4):
        log.program(X, PX, "ParticipantCompleted", participant_id=who, completed_on="2025-06-30")
    log.member(X, PZ, Z1, "2025-02-03", "2025-05-31", "completed")
    log.member(X, PZ, Z2, "2025-02-03")
    log.member(X, PZ, X4, "2025-02-03", "2025-03-10", "withdrawn", "health")
    log.member(Y, PY, Y1, "2024-02-01", "2024-07-31", "completed")
    log.member(Y, PY, Y2, "2024-02-01", "2024-07-31", "completed")
    log.member(Y, PY, Y3, "2024-02-01", "2024-04-01", "withdrawn", "discipline")
    log.member(Y, PY, Y4, "2024-03-01", "2024-07-31", "completed")
    # Sessions: S1 09:00 WIB sent in UTC; S5 at 00:30 WIB on 29 June (28 June in UTC).
    log.hold(X, S1, PX, "2025-01-07T02:00:00+00:00", 90, "counseling",
             {X1: "present", X2: "present", X3: "late", X4: "absent", X6: "absent"})
    log.hold(X, S2, PX, "2025-01-21T09:00:00+07:00", 120, "skills_training",
             {X1: "present", X2: "excused", X3: "absent", X6: "present"})
    log.add(X, "session", S3, "SessionScheduled", {
        "program_id": PX, "scheduled_for": "2025-01-28T09:00:00+07:00",
        "activity": "counseling", "topic": "x", "facilitators": []})
    log.add(X, "session", S3, "SessionCancelled", {"reason": "banjir"})
    log.hold(X, S5, PX, "2025-06-28T17:30:00+00:00", 90, "counseling",
             {X1: "present", X2: "absent", X4: "present", X6: "present"})
    log.hold(X, U1, PZ, "2025-02-11T09:00:00+07:00", 180, "skills_training",
             {Z1: "present", X4: "late", Z2: "absent"})
    log.hold(X, U2, PZ, "2025-03-18T09:00:00+07:00", 60, "skills_training",
             {Z1: "absent", Z2: "present"})
    log.hold(Y, T1, PY, "2024-02-06T09:00:00+07:00", 120, "counseling",
             {Y1: "present", Y2: "present", Y3: "absent"})
    log.hold(Y, T2, PY, "2024-03-05T09:00:00+07:00", 90, "social_guidance",
             {Y1: "present", Y2: "absent", Y3: "excused", Y4: "present"})
    log.add(Y, "session", T3, "SessionScheduled", {
        "program_id": PY, "scheduled_for": "2024-04-02T09:00:00+07:00",
        "activity": "counseling", "topic": "x", "facilitators": []})
    log.add(Y, "session", T3, "SessionCancelled", {"reason": "x"})
    # Assessments. X1: two intakes, two exits (first intake 20, last exit 10); Y1: two WHOQOL
    # exits on one day (the later recorded, 65, is the last); X5's exit names no program; X4's
    # PZ intake and X3's have no exit.
    for who, program, instrument, phase, score, on in (
            (X1, PX, "ASSIST", "intake", 20, "2025-01-10"),
            (X1, PX, "ASSIST", "intake", 18, "2025-01-11"),
            (X1, PX, "ASSIST", "mid", 5, "2025-03-11"),
            (X1, PX, "ASSIST", "exit", 12, "2025-06-26"),
            (X1, PX, "ASSIST", "exit", 10, "2025-06-27"),
            (X2, PX, "ASSIST", "intake", 25, "2025-01-10"),
            (X2, PX, "ASSIST", "exit", 20, "2025-06-27"),
            (X2, PX, "URICA", "intake", 6, "2025-01-10"),
            (X2, PX, "URICA", "exit", 9, "2025-06-27"),
            (X3, PX, "ASSIST", "intake", 30, "2025-01-10"),
            (X4, PX, "ASSIST", "intake", 22, "2025-01-10"),
            (X4, PX, "ASSIST", "exit", 15, "2025-06-27"),
            (X5, PX, "ASSIST", "intake", 24, "2025-03-04"),
            (X5, None, "ASSIST", "exit", 20, "2025-06-27"),
            (Z1, PZ, "ASSIST", "intake", 28, "2025-02-04"),
            (Z1, PZ, "ASSIST", "exit", 20, "2025-05-28"),
            (X4, PZ, "ASSIST", "intake", 30, "2025-02-04"),
            (Y1, PY, "URICA", "intake", 5, "2024-02-02"),
            (Y1, PY, "URICA", "exit", 8, "2024-07-26"),
            (Y1, PY, "WHOQOL", "intake", 50, "2024-02-02"),
            (Y1, PY, "WHOQOL", "exit", 60, "2024-07-26"),
            (Y1, PY, "WHOQOL", "exit", 65, "2024-07-26"),
            (Y2, PY, "URICA", "intake", 6, "2024-02-10"),
            (Y2, PY, "URICA", "exit", 6.5, "2024-07-26")):
        log.assess(Y if program == PY else X, who, program, instrument, phase, score, on)
    # Releases and readmissions, some recorded after another participant's readmission.
    log.person(Y, Y1, "ParticipantReleased", released_on="2024-08-31", release_type="expiration")
    log.person(Y, Y2, "ParticipantReleased", released_on="2024-09-30", release_type="parole")
    log.person(Y, Y2, "ParticipantReadmitted", readmitted_on="2025-03-15")
    log.person(Y, Y4, "ParticipantReleased", released_on="2024-10-31",
               release_type="pre_release_leave")
    log.person(Y, Y4, "ParticipantReadmitted", readmitted_on="2024-12-01")
    log.person(Y, Y3, "ParticipantReleased", released_on="2025-01-31", release_type="transfer")
    log.person(Y, Y4, "ParticipantReleased", released_on="2025-06-30", release_type="expiration")
    log.person(X, X1, "ParticipantReleased", released_on="2025-07-15", release_type="parole")
    log.person(X, X1, "ParticipantReadmitted", readmitted_on="2025-11-10")
    log.person(X, X2, "ParticipantReleased", released_on="2025-08-31", release_type="expiration")
    log.person(X, X6, "ParticipantReleased", released_on="2026-02-02",
               release_type="conditional_leave")
    log.person(Y, Y1, "ParticipantReadmitted", readmitted_on="2026-07-01")
    log.person(X, X2, "ParticipantReadmitted", readmitted_on="2026-09-15")
    # Recorded late: sessions held months ago, corrections, a back-dated earlier intake and a
    # back-dated exit of Y2 (first intake 4 by date, last exit 6.5 by date: +2.5).
    log.hold(X, S4, PX, "2025-03-04T09:00:00+07:00", 60, "counseling",
             {X1: "late", X2: "present", X4: "present", X5: "absent", X6: "excused"})
    log.hold(Y, T4, PY, "2024-05-07T09:00:00+07:00", 60, "counseling",
             {Y1: "late", Y2: "present", Y4: "absent"})
    log.correct(X, S1, X4, "present")
    log.correct(X, S5, X2, "excused")
    log.correct(Y, T1, Y3, "late")
    log.assess(Y, Y2, PY, "URICA", "intake", 4, "2024-02-02")
    log.assess(Y, Y2, PY, "URICA", "exit", 9, "2024-07-20")
    return log.events


def key(prison, partner, agreement, program, name):
    return {"prison_id": prison, "partner_id": partner, "agreement_id": agreement,
            "program_id": program, "program_name": name, "track": None}  # launched v1


def figures(enrolled, active, completed, withdrawn, completion, held, hours, attendance, scores,
            released, *recidivism):
    return {"enrolled": enrolled, "active": active, "completed": completed,
            "withdrawn": withdrawn, "completion_rate": completion, "sessions_held": held,
            "hours_by_activity": hours, "attendance_rate": attendance, "score_change": scores,
            "score_excluded": {}, "released": released, **dict(zip(
                ["released_6m", "readmitted_6m", "released_12m", "readmitted_12m",
                 "released_24m", "readmitted_24m"], recidivism, strict=True)), **NO_URINE,
            **NO_SESSION_NEWS}


# No urine test in this scenario (test_evaluation_urine.py has them).
NO_URINE = {"urine_tests": 0, "urine_positive": 0, "positivity_rate": None, "violations": 0,
            "violations_open": 0, "violations_sanctioned": 0}
# Issue 13's session fields: no session not held, no make-up, no compliance recorded here.
NO_SESSION_NEWS = {"sessions_not_held": 0, "not_held_by_reason": {}, "makeup_sessions": 0,
                   "compliance_rate": None}


KX = key(X, GENNESA, AG, PX, "Rehabilitasi Sosial")
KZ = key(X, LRPPN, AX2, PZ, "Keterampilan")
KY = key(Y, LRPPN, AY, PY, "Konseling Adiksi")
TO = date(2026, 10, 31)
# Whole history to TO.
# PX: X1..X6 enrolled; X1, X2, X4 (enrolled again after a withdrawal) completed; X3, X5
# withdrawn; X6 active. Held S1 (4/5: X4's absent corrected to present; X6 absent), S2 (2/3,
# X2 excused), S5 (3/3: X2's absent corrected to excused), S4 recorded late (3/4, X6 excused):
# 12/15; S3 cancelled. Counseling 90 + 90 + 60 min = 4 h, skills 120 min = 2 h.
# ASSIST: X1 10 − 20, X2 20 − 25, X4 15 − 22 = −22 / 3 (X3 has no exit, X5's names no program);
# URICA: X2 9 − 6 = 3. Releases after enrolment: X1 2025-07-15 (back 2025-11-10: within 6),
# X2 2025-08-31 (back 2026-09-15: after 12), X3 2025-02-15, X6 2026-02-02 (not its 2024 one).
# +6 months ≤ TO: all four (X2: 2026-02-28); +12: X1, X2, X3 (X6: 2027-02-02); +24: none.
PX_ALL = {**KX, **figures(6, 1, 3, 2, 0.5, 4, {"counseling": 4.0, "skills_training": 2.0},
                          0.8, {"ASSIST": -22 / 3, "URICA": 3.0}, 4, 4, 1, 3, 1, 0, 0)}
# PZ: Z1 completed, X4 withdrawn, Z2 active. U1 2/3, U2 1/2; 180 + 60 min. ASSIST Z1 −8.
PZ_ALL = {**KZ, **figures(3, 1, 1, 1, 1 / 3, 2, {"skills_training": 4.0}, 0.6,
                          {"ASSIST": -8.0}, 0, 0, 0, 0, 0, 0, 0)}
# PY: Y1, Y2, Y4 completed, Y3 withdrawn. T1 3/3 (Y3 corrected to late), T2 2/3, T4 (late)
# 2/3: 7/9; counseling 120 + 60, social 90 min. URICA: Y1 8 − 5 = 3, Y2 6.5 (last exit by
# date) − 4 (back-dated first intake) = 2.5 → 2.75; WHOQOL Y1 65 (recorded last) − 50 = 15.
# Releases: Y1 2024-08-31 (back 2026-07-01: within 24 only), Y2 2024-09-30 (back 2025-03-15),
# Y4 2024-10-31 (back 2024-12-01; its second release does not count); Y3's 2025-01-31
# "release" of type transfer is a transfer, not a release (contract v2): not counted.
# +6, +12 and +24 ≤ TO: all three (Y4's +24 is 2026-10-31 = TO).
PY_ALL = {**KY, **figures(4, 0, 3, 1, 0.75, 3, {"counseling": 3.0, "social_guidance": 1.5},
                          7 / 9, {"URICA": 2.75, "WHOQOL": 15.0}, 3, 3, 2, 3, 2, 3, 3)}

# Window 2025-03-01..2025-08-31. PX: completions X1, X2, X4 in it, withdrawal X5 (X3's is
# before): active 6 − 3 − 1; sessions S4, S5 (29 June in WIB): 6/7, counseling 150 min;
# releases X1, X2 (31 Aug, the last day), none 6 months before the end.
W1 = Window(date(2025, 3, 1), date(2025, 8, 31))
PX_W1 = {**KX, **figures(6, 2, 3, 1, 0.5, 2, {"counseling": 2.5}, 6 / 7,
                         {"ASSIST": -22 / 3, "URICA": 3.0}, 2, 0, 0, 0, 0, 0, 0)}
PZ_W1 = {**KZ, **figures(3, 1, 1, 1, 1 / 3, 1, {"skills_training": 1.0}, 0.5,
                         {"ASSIST": -8.0}, 0, 0, 0, 0, 0, 0, 0)}
# PY: everything happened in 2024 (its releases included), only the scores are not windowed.
PY_W1 = {**KY, **figures(4, 4, 0, 0, 0.0, 0, {}, None, {"URICA": 2.75, "WHOQOL": 15.0},
                         0, 0, 0, 0, 0, 0, 0)}

# To 2025-02-20: X5 not enrolled yet; X4 counts by its second enrolment (active); X3 withdrawn;
# S1, S2: 6/8; no exit yet; X3's release counts, X6's 2024 one (before enrolling) does not.
W2 = Window(date(1, 1, 1), date(2025, 2, 20))
PX_W2 = {**KX, **figures(5, 4, 0, 1, 0.0, 2, {"counseling": 1.5, "skills_training": 2.0},
                         0.75, {}, 1, 0, 0, 0, 0, 0, 0)}
PZ_W2 = {**KZ, **figures(3, 3, 0, 0, 0.0, 1, {"skills_training": 3.0}, 2 / 3, {},
                         0, 0, 0, 0, 0, 0, 0)}


def regional(row, agreements_active, **sums):
    indicators = {k: v for k, v in row.items() if k not in KX}
    return {"prison_id": row["prison_id"], **indicators, **sums,
            "agreements_active": agreements_active}


# Lapas Banyuwangi = PX + PZ, rates from the sums (not means of the rates): completion 4/9,
# attendance (12 + 3) / (15 + 5), ASSIST (−22 − 8) / 4. Agreements on TO: AG active, AX2
# expiring (45 days left), AX4 terminated; Lapas Jember: AY expired, AY2 active.
REGIONAL_ALL = [
    regional(PX_ALL, 2, enrolled=9, active=2, completed=4, withdrawn=3, completion_rate=4 / 9,
             sessions_held=6, hours_by_activity={"counseling": 4.0, "skills_training": 6.0},
             attendance_rate=0.75, score_change={"ASSIST": -7.5, "URICA": 3.0}),
    regional(PY_ALL, 1)]
# On 2025-08-31 AX4 is not terminated yet (1 Dec) and AY not expired; AY2 not signed yet.
REGIONAL_W1 = [
    regional(PX_W1, 3, enrolled=9, active=3, completed=4, withdrawn=2, completion_rate=4 / 9,
             sessions_held=3, hours_by_activity={"counseling": 2.5, "skills_training": 1.0},
             attendance_rate=7 / 9, score_change={"ASSIST": -7.5, "URICA": 3.0}),
    regional(PY_W1, 1)]


async def apply(conn, events: list[dict], batch_sizes=(40,)) -> None:
    """Apply `events` as the runner would, in batches of the given sizes (cycled)."""
    records = [Recorded(seq, upcast(e)) for seq, e in enumerate(events, 1)]  # as decode does
    start, i = 0, 0
    while start < len(records):
        batch = records[start:start + batch_sizes[i % len(batch_sizes)]]
        async with conn.transaction():
            for projection in projections():
                assert await apply_batch(projection, conn, batch) == []
        start, i = start + len(batch), i + 1


async def test_every_figure_of_every_program(conn):
    await apply(conn, scenario())
    assert await evaluation_report(conn, Window(date(1, 1, 1), TO)) == [PX_ALL, PZ_ALL, PY_ALL]
    assert await evaluation_report(conn, W1) == [PX_W1, PZ_W1, PY_W1]
    assert await evaluation_report(conn, W2, prison_id=X) == [PX_W2, PZ_W2]


async def test_filters_by_prison_and_by_the_agreements_partner(conn):
    await apply(conn, scenario())
    everything = Window(date(1, 1, 1), TO)
    assert await evaluation_report(conn, everything, prison_id=Y) == [PY_ALL]
    assert await evaluation_report(conn, everything, partner_id=LRPPN) == [PZ_ALL, PY_ALL]
    assert await evaluation_report(conn, everything, X, GENNESA) == [PX_ALL]
    assert await evaluation_report(conn, everything, prison_id="lapas-nowhere") == []


async def test_regional_sums_the_programs_of_each_prison(conn):
    await apply(conn, scenario())
    assert await regional_report(conn, Window(date(1, 1, 1), TO)) == REGIONAL_ALL
    assert await regional_report(conn, W1) == REGIONAL_W1


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_the_figures_do_not_depend_on_recording_order_or_batching(conn, seed):
    """The log shuffled across aggregates (each aggregate keeps its order), applied in uneven
    batches, then entirely redelivered: the same figures."""
    rng = random.Random(seed)
    queues: dict[str, list[dict]] = {}
    for event in scenario():
        queues.setdefault(event["aggregate_id"], []).append(event)
    shuffled = []
    while queues:
        aggregate = rng.choice(sorted(queues))
        shuffled.append(queues[aggregate].pop(0))
        if not queues[aggregate]:
            del queues[aggregate]
    await apply(conn, shuffled, batch_sizes=(1, 7, 50, 3))
    await apply(conn, shuffled, batch_sizes=(1000,))  # below every row's version: no change
    assert await evaluation_report(conn, Window(date(1, 1, 1), TO)) == [PX_ALL, PZ_ALL, PY_ALL]
    assert await regional_report(conn, W1) == REGIONAL_W1


async def test_the_tables_keep_every_release_and_readmission(conn):
    await apply(conn, scenario())
    rows = await conn.fetch("SELECT n, released_on, release_type, readmitted_on FROM releases "
                            "WHERE participant_id = $1 ORDER BY n", Y4)
    assert [tuple(r) for r in rows] == [
        (1, date(2024, 10, 31), "pre_release_leave", date(2024, 12, 1)),
        (2, date(2025, 6, 30), "expiration", None)]
    y4 = await conn.fetchrow("SELECT * FROM participants WHERE participant_id = $1", Y4)
    assert (y4["in_custody"], y4["releases"], y4["custody_since"]) == (
        False, 2, date(2024, 12, 1))
    assert await conn.fetchval("SELECT count(*) FROM assessments") == 26


async def test_pg_queries_read_the_given_schema(conn, database_url, schema):
    await apply(conn, scenario())
    await conn.execute("INSERT INTO checkpoint VALUES ('reporting', 42, now())")
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=2)

    async def pool_of():
        return pool

    reads = LiveReadModel(pool_of, schema, nc=None, store=None)
    try:
        assert await reads.evaluation(schema, W1, None, None) == [PX_W1, PZ_W1, PY_W1]
        assert await reads.evaluation(schema, W1, Y, LRPPN) == [PY_W1]
        assert await reads.regional(schema, W1) == REGIONAL_W1
        assert await checkpoint_of(pool, schema) == 42
        assert await checkpoint_of(pool, "asof_never_built") is None
        assert await checkpoint_of(pool, "public") is None  # exists, but holds no read model
    finally:
        await pool.close()


async def test_a_national_evaluation_plans_each_query_for_its_values_in_its_read_only(
        conn, monkeypatch):
    """A cached statement's generic plan (PostgreSQL's choice from its sixth run on) knows
    neither the programs nor the window: the national `/evaluation` ran 2x slower from its sixth
    call at 1M events. With many programs asked for, each query is planned for its values, in
    its read only; with a few (here the scenario's three), the generic plans serve."""
    await apply(conn, scenario())
    for many, mode in ((3, "auto"), (2, "force_custom_plan")):
        monkeypatch.setattr(evaluation, "MANY", many)
        async with conn.transaction():
            await regional_report(conn, Window(date(1, 1, 1), TO))
            assert await conn.fetchval("SHOW plan_cache_mode") == mode
            assert await conn.fetchval("SHOW jit") == ("off" if many == 2 else "on")
        assert await conn.fetchval("SHOW plan_cache_mode") == "auto"
