"""The demo's 2025 Gennesa cohort: a program, its participants and its weekly sessions.

From the seed reports: the Gennesa agreement was re-signed on 8 July 2025, about 20 inmates took
part, and the 2025 programme closed on 8 December 2025 with all participants graduating. The rest
is invented but plausible, and fixed: the same commands (same ids, same marks) on every load.

- Program "Rehabilitasi Sosial 2025", cohort 2025-II, 2025-07-14 to 2025-12-08, capacity 25.
- 20 participants, pseudonyms only (`participant/NN`); 18 enrolled on 2025-07-14, 2 on
  2025-08-11; intake ASSIST and URICA the day after enrolling; one withdrawn `transferred`
  (2025-09-17), one `health` (2025-10-20); exit ASSIST and URICA on 2025-12-04 for 16 of the 18
  others, who all complete on 2025-12-08, when the program closes.
- Weekly sessions on Mondays at 09:00 WIB from 2025-07-14 to 2025-12-01, activities in rotation,
  led by the foundation's staff: 20 held (the last one scheduled a week ahead) and one scheduled
  then cancelled (2025-08-18, a public holiday); one mark corrected (absent → excused).
- After the program: 5 releases (Dec 2025 – Jul 2026) and one readmission (2026-06-15).

No name, NIK or register number of an inmate appears anywhere: facilitators are the partner's
staff and are named by role only.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any

from shared.envelope import WIB

Command = tuple[str, str, dict[str, Any]]
Ident = Callable[[str], str]

PROGRAM_KEY = "program/gennesa-2025-II"
STARTS_ON, ENDS_ON = date(2025, 7, 14), date(2025, 12, 8)
ACTIVITIES = ("counseling", "skills_training", "mental_guidance", "spiritual_guidance")
PARTNER = "Yayasan Gendhog Nemu Sariro (Gennesa)"
SESSION_TIME = time(9, 0)
SEED = 20251208

# NN -> (case_type, admitted_on); NN 19 and 20 join the program four weeks late.
PARTICIPANTS: dict[int, tuple[str, date]] = {
    n: ("narcotics_other" if n in (4, 13, 18) else "narcotics_user", admitted)
    for n, admitted in enumerate([
        date(2024, 2, 12), date(2024, 3, 5), date(2024, 3, 27), date(2024, 4, 15),
        date(2024, 5, 2), date(2024, 5, 20), date(2024, 6, 11), date(2024, 7, 1),
        date(2024, 7, 23), date(2024, 8, 14), date(2024, 9, 3), date(2024, 9, 25),
        date(2024, 10, 16), date(2024, 11, 6), date(2024, 11, 28), date(2024, 12, 17),
        date(2025, 1, 9), date(2025, 2, 3), date(2025, 3, 12), date(2025, 4, 22),
    ], start=1)
}
LATE_ON = date(2025, 8, 11)
LATE_JOINERS = (19, 20)
WITHDRAWALS = {  # NN -> (withdrawn_on, reason, note)
    6: (date(2025, 9, 17), "transferred", "Dipindahkan ke Lapas lain"),
    14: (date(2025, 10, 20), "health", "Menjalani perawatan kesehatan di luar program"),
}
NO_EXIT_ASSESSMENT = (9, 17)
EXIT_ON = date(2025, 12, 4)
RELEASES = {  # NN -> (released_on, release_type)
    3: (date(2025, 12, 22), "parole"),
    8: (date(2026, 1, 19), "expiration"),
    11: (date(2026, 2, 16), "assimilation"),
    16: (date(2026, 4, 6), "parole"),
    1: (date(2026, 7, 13), "expiration"),
}
READMISSIONS = {8: date(2026, 6, 15)}
CANCELLED = (date(2025, 8, 18), "Cuti bersama HUT ke-80 Republik Indonesia")
SCHEDULED_AHEAD = date(2025, 12, 1)  # held after being scheduled a week before
CORRECTION = (date(2025, 9, 8), 5, "absent", "excused",
              "Surat keterangan dari klinik Lapas diserahkan setelah sesi")

TOPICS = {
    "counseling": ["Konseling kelompok: mengenali pemicu kekambuhan",
                   "Konseling kelompok: mengelola keinginan (craving)",
                   "Konseling kelompok: membangun dukungan keluarga",
                   "Konseling kelompok: rencana pencegahan kekambuhan",
                   "Konseling kelompok: persiapan kembali ke masyarakat"],
    "skills_training": ["Pelatihan keterampilan: budidaya jamur tiram",
                        "Pelatihan keterampilan: pangkas rambut",
                        "Pelatihan keterampilan: sablon kaos",
                        "Pelatihan keterampilan: kerajinan anyaman bambu",
                        "Pelatihan keterampilan: pengemasan dan pemasaran produk"],
    "mental_guidance": ["Bimbingan mental: motivasi untuk berubah",
                        "Bimbingan mental: pengendalian emosi dan stres",
                        "Bimbingan mental: disiplin dan tanggung jawab",
                        "Bimbingan mental: komunikasi yang sehat",
                        "Bimbingan mental: menyusun tujuan hidup"],
    "spiritual_guidance": ["Bimbingan rohani: taubat dan harapan baru",
                           "Bimbingan rohani: kesabaran menghadapi cobaan",
                           "Bimbingan rohani: syukur dan ketenangan hati",
                           "Bimbingan rohani: menjaga diri dari godaan",
                           "Bimbingan rohani: bekal iman setelah bebas"],
}
STAFF = {  # activity -> [(name, role)]: the foundation's staff, by role and number only
    "counseling": [("Konselor Yayasan Gennesa 1", "counselor"),
                   ("Konselor Yayasan Gennesa 2", "counselor")],
    "skills_training": [("Instruktur Yayasan Gennesa 1", "instructor"),
                        ("Instruktur Yayasan Gennesa 2", "instructor")],
    "mental_guidance": [("Narasumber Yayasan Gennesa 1", "resource_person"),
                        ("Konselor Yayasan Gennesa 1", "counselor")],
    "spiritual_guidance": [("Pembimbing Rohani Yayasan Gennesa 1", "resource_person")],
}
# Attendance marks: mostly present.
STATUSES, WEIGHTS = ("present", "late", "excused", "absent"), (80, 7, 5, 8)


def at(day: date, clock: time = time(0)) -> datetime:
    return datetime.combine(day, clock, WIB)


def enrolled_on(n: int) -> date:
    return LATE_ON if n in LATE_JOINERS else STARTS_ON


def left_on(n: int) -> date:
    return WITHDRAWALS[n][0] if n in WITHDRAWALS else ENDS_ON


def active_on(day: date) -> list[int]:
    """Who is expected at a session held on `day` (after 00:00 WIB): enrolled on or before it,
    not withdrawn or completed on or before it (those events are dated 00:00 WIB)."""
    return [n for n in PARTICIPANTS if enrolled_on(n) <= day < left_on(n)]


def session_days() -> list[date]:
    """Mondays from the program's first day until the last week before completion."""
    days, day = [], STARTS_ON
    while day < ENDS_ON:
        days.append(day)
        day += timedelta(days=7)
    return days


def cohort_commands(ident: Ident, agreement_id: str) -> list[Command]:
    """The cohort's commands in business-time order (stable for equal instants)."""
    rng = random.Random(SEED)
    program_id = ident(PROGRAM_KEY)
    pid = {n: ident(f"participant/{n:02d}") for n in PARTICIPANTS}
    timeline: list[tuple[datetime, Command]] = []

    def add(when: datetime, service: str, name: str, data: dict[str, Any]) -> None:
        timeline.append((when, (service, name, data)))

    def assess(n: int, instrument: str, phase: str, score: float, day: date) -> None:
        add(at(day), "programs", "RecordAssessment", {
            "participant_id": pid[n], "instrument": instrument, "phase": phase,
            "score": round(score, 1), "assessed_on": day.isoformat(), "program_id": program_id})

    add(at(STARTS_ON), "programs", "LaunchProgram", {
        "program_id": program_id, "agreement_id": agreement_id,
        "name": "Rehabilitasi Sosial 2025", "cohort": "2025-II", "activities": list(ACTIVITIES),
        "starts_on": STARTS_ON.isoformat(), "ends_on": ENDS_ON.isoformat(), "capacity": 25})
    for n, (case_type, admitted) in PARTICIPANTS.items():
        add(at(admitted), "programs", "RegisterParticipant", {
            "participant_id": pid[n], "case_type": case_type, "admitted_on": admitted.isoformat()})
    for n in PARTICIPANTS:
        add(at(enrolled_on(n)), "programs", "EnrollParticipant", {
            "program_id": program_id, "participant_id": pid[n],
            "enrolled_on": enrolled_on(n).isoformat()})
    # ASSIST (substance involvement, lower is better) and URICA readiness (higher is better).
    # One instrument for everybody, then the next: consecutive commands on different
    # participants can be sent together.
    scores = {n: (rng.uniform(12, 30), rng.uniform(6, 10)) for n in PARTICIPANTS}
    exits = [n for n in PARTICIPANTS if n not in WITHDRAWALS and n not in NO_EXIT_ASSESSMENT]
    changes = {n: (rng.uniform(-2, 10), rng.uniform(-1, 4)) for n in exits}
    for i, instrument in enumerate(("ASSIST", "URICA")):
        for n in PARTICIPANTS:
            assess(n, instrument, "intake", scores[n][i], enrolled_on(n) + timedelta(days=1))
    for i, instrument in enumerate(("ASSIST", "URICA")):
        for n in exits:
            sign = -1 if instrument == "ASSIST" else 1
            assess(n, instrument, "exit", max(0.0, scores[n][i] + sign * changes[n][i]), EXIT_ON)
    for n, (day, reason, note) in WITHDRAWALS.items():
        add(at(day), "programs", "WithdrawParticipant", {
            "program_id": program_id, "participant_id": pid[n], "withdrawn_on": day.isoformat(),
            "reason": reason, "note": note})
    for n in PARTICIPANTS:
        if n not in WITHDRAWALS:
            add(at(ENDS_ON), "programs", "CompleteParticipant", {
                "program_id": program_id, "participant_id": pid[n],
                "completed_on": ENDS_ON.isoformat()})
    add(at(ENDS_ON), "programs", "CloseProgram", {
        "program_id": program_id, "closed_on": ENDS_ON.isoformat()})
    for n, (day, release_type) in RELEASES.items():
        add(at(day), "programs", "RecordRelease", {
            "participant_id": pid[n], "released_on": day.isoformat(),
            "release_type": release_type})
    for n, day in READMISSIONS.items():
        add(at(day), "programs", "RecordReadmission", {
            "participant_id": pid[n], "readmitted_on": day.isoformat()})

    for week, day in enumerate(session_days()):
        activity = ACTIVITIES[week % len(ACTIVITIES)]
        topic = TOPICS[activity][week // len(ACTIVITIES) % len(TOPICS[activity])]
        staff = STAFF[activity][:1] if week % 3 else STAFF[activity]
        facilitators = [{"name": name, "organization": PARTNER, "role": role}
                        for name, role in staff]
        session_id, held_at = ident(f"session/{day.isoformat()}"), at(day, SESSION_TIME)
        plan = {"session_id": session_id, "program_id": program_id,
                "scheduled_for": held_at.isoformat(), "activity": activity, "topic": topic,
                "facilitators": facilitators}
        if day in (CANCELLED[0], SCHEDULED_AHEAD):
            planned_at = at(day - timedelta(days=7), time(10, 0))
            add(planned_at, "attendance", "ScheduleSession",
                {**plan, "occurred_at": planned_at.isoformat()})
        if day == CANCELLED[0]:
            cancelled_at = at(day - timedelta(days=3), time(10, 0))
            add(cancelled_at, "attendance", "CancelSession", {
                "session_id": session_id, "reason": CANCELLED[1],
                "occurred_at": cancelled_at.isoformat()})
            continue
        marks = {n: rng.choices(STATUSES, WEIGHTS)[0] for n in active_on(day)}
        if day == CORRECTION[0]:
            marks[CORRECTION[1]] = CORRECTION[2]
        add(held_at, "attendance", "HoldSession", {
            "session_id": session_id, "program_id": program_id, "held_at": held_at.isoformat(),
            "duration_minutes": rng.choice((90, 100, 105, 120)), "activity": activity,
            "topic": topic, "facilitators": facilitators,
            "attendance": [{"participant_id": pid[n], "status": s} for n, s in marks.items()]})
        if day == CORRECTION[0]:
            corrected_at = at(day + timedelta(days=2), time(10, 0))
            add(corrected_at, "attendance", "CorrectAttendance", {
                "session_id": session_id, "participant_id": pid[CORRECTION[1]],
                "status": CORRECTION[3], "reason": CORRECTION[4],
                "occurred_at": corrected_at.isoformat()})

    timeline.sort(key=lambda entry: entry[0])  # stable: same-instant commands keep their order
    return [command for _, command in timeline]
