"""A cohort's sessions: every activity once a week on its own weekday, led by the partner's
staff (named by role and number only), with every active participant's mark and, beside a
present or late mark, a compliance; one session per cohort not held (its reason) and made
up two days later."""

from __future__ import annotations

import random
from datetime import date, time
from typing import Any

from deploy.demo import demo_id
from deploy.demo_region.people import Person, active_on
from deploy.demo_region.timeline import Timeline, at, days

STATUSES, WEIGHTS = ("present", "late", "excused", "absent"), (80, 7, 5, 8)
COMPLIANCE, COMPLIANCE_WEIGHTS = ("compliant", "partial", "non_compliant"), (75, 20, 5)
NOT_HELD = (("partner_absent", "Narasumber mitra berhalangan hadir"),
            ("security_lockdown", "Penggeledahan gabungan di blok hunian"),
            ("holiday", "Libur nasional"),
            ("facilitator_ill", "Fasilitator sakit"),
            ("participants_unavailable", "Warga binaan mengikuti sidang di pengadilan"),
            ("other", "Ruang kegiatan dipakai untuk kunjungan dinas"))
ROLES = {"counseling": ("Konselor", "counselor"), "medical": ("Dokter", "resource_person"),
         "aftercare": ("Pendamping", "counselor"), "skills_training": ("Instruktur", "instructor"),
         "social_guidance": ("Pekerja sosial", "resource_person"),
         "mental_guidance": ("Narasumber", "resource_person")}
TOPICS = {"counseling": "Konseling kelompok", "medical": "Pemeriksaan dan terapi medis",
          "aftercare": "Pendampingan pascarehabilitasi", "skills_training": "Pelatihan kerja",
          "social_guidance": "Bimbingan sosial", "mental_guidance": "Bimbingan mental"}


def _marks(rng: random.Random, group: list[Person], day: date) -> list[dict[str, Any]]:
    marks = []
    for p in active_on(group, day):
        status = rng.choices(STATUSES, WEIGHTS)[0]
        compliance = (rng.choices(COMPLIANCE, COMPLIANCE_WEIGHTS)[0]
                      if status in ("present", "late") else None)
        marks.append({"participant_id": p.participant_id, "status": status,
                      "compliance": compliance})
    return marks


def sessions(tl: Timeline, prison: str, program_id: str, group: list[Person],
             activities: tuple[str, ...], partner: str, rng: random.Random, starts_on: date,
             ends_on: date, turn: int) -> None:
    not_held_week = rng.randint(3, 8)
    for i, activity in enumerate(activities):
        title, role = ROLES[activity]
        staff = [{"name": f"{title} {partner} {k}", "organization": partner, "role": role}
                 for k in (1, 2)]
        day = starts_on + days(i)
        clock = time(9, 0) if i % 2 == 0 else time(13, 30)
        week = 0
        while day < ends_on:
            session_id = demo_id(f"session/{program_id}/{activity}/{day.isoformat()}", prison)
            plan = {"session_id": session_id, "program_id": program_id}
            week += 1
            if i == 0 and week == not_held_week:
                reason, note = NOT_HELD[turn % len(NOT_HELD)]
                tl.add(prison, at(day, clock), "attendance", "RecordSessionNotHeld", {
                    **plan, "planned_for": at(day, clock).isoformat(), "reason": reason,
                    "note": note})
                makeup = day + days(2)
                _hold(tl, prison, {**plan, "session_id": demo_id(
                    f"session/{program_id}/{activity}/{makeup.isoformat()}", prison)},
                    at(makeup, clock), activity, staff, _marks(rng, group, makeup), rng,
                    session_id)
            else:
                _hold(tl, prison, plan, at(day, clock), activity, staff[:1 + week % 2],
                      _marks(rng, group, day), rng, None)
            day += days(7)


def _hold(tl: Timeline, prison: str, plan: dict[str, Any], held_at: Any, activity: str,
          staff: list[dict[str, Any]], marks: list[dict[str, Any]], rng: random.Random,
          makeup_for: str | None) -> None:
    tl.add(prison, held_at, "attendance", "HoldSession", {
        **plan, "held_at": held_at.isoformat(), "duration_minutes": rng.choice((90, 105, 120)),
        "activity": activity, "topic": TOPICS[activity], "facilitators": staff,
        "attendance": marks, "makeup_for": makeup_for})
