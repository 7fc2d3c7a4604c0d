"""Valid commands for the measured phases: a few prisons, each with an agreement and several
programs of ~20 participants, then an endless, valid stream of what officers send most:
ScheduleSession and HoldSession on many programs (every held session lists exactly the
participants active at held_at), with a few CorrectAttendance and RecordAssessment."""

from __future__ import annotations

import itertools
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from shared.envelope import WIB

Command = tuple[str, str, str, dict[str, Any]]  # prison, service, name, data
ACTIVITIES = ["counseling", "skills_training", "mental_guidance", "spiritual_guidance"]
STATUSES, WEIGHTS = ("present", "late", "excused", "absent"), (80, 7, 5, 8)
STARTS = datetime(2026, 1, 5, 8, 0, tzinfo=WIB)  # every program's first day; "now" is later
PROBE_PRISON = "lapas-bench-probe"


def new_id() -> str:
    return str(uuid.uuid4())


@dataclass
class Program:
    prison_id: str
    program_id: str
    agreement_id: str
    participants: list[str]
    hours: Iterator[int] = field(default_factory=itertools.count)

    def next_held_at(self) -> str:
        """A distinct instant per session: program start + 1 h per session, never future."""
        return (STARTS + timedelta(hours=next(self.hours))).isoformat()


def _facilitators(activity: str) -> list[dict[str, str]]:
    return [{"name": f"Instruktur {activity} 1", "organization": "Yayasan Bench",
             "role": "instructor"}]


class Scenario:
    def __init__(self, prisons: int = 3, programs_per_prison: int = 8, participants: int = 20,
                 seed: int = 11):
        self.rng = random.Random(seed)
        self.programs: list[Program] = []
        self.agreements: list[tuple[str, str]] = []
        for p in range(prisons + 1):
            prison = PROBE_PRISON if p == prisons else f"lapas-bench-cmd-{p + 1:02d}"
            agreement = new_id()
            self.agreements.append((prison, agreement))
            for _ in range(1 if prison == PROBE_PRISON else programs_per_prison):
                self.programs.append(Program(prison, new_id(), agreement,
                                             [new_id() for _ in range(participants)]))
        self.probe = self.programs[-1]
        self.work = self.programs[:-1]

    def setup(self) -> list[list[list[Command]]]:
        """Stages of chains: the chains of a stage may run concurrently, each chain in order
        (the enrolments into one program are one aggregate's: sent one after the other)."""
        signs = [(prison, "agreements", "SignAgreement", {
            "agreement_id": agreement, "number": f"PKS/{prison}/2025", "title": "Bench",
            "partner": {"id": "yayasan-bench", "name": "Yayasan Bench", "kind": "foundation"},
            "services": ACTIVITIES, "signed_on": "2025-12-01", "effective_from": "2025-12-01",
            "effective_until": "2028-12-31", "signatories": [
                {"name": "Kalapas", "title": "Kepala Lapas", "party": "prison"},
                {"name": "Ketua", "title": "Ketua Yayasan", "party": "partner"}],
            "renews": None, "committed_sessions_per_month": 4})
            for prison, agreement in self.agreements]
        launches, registers, enrols = [], [], []
        for i, pr in enumerate(self.programs):
            launches.append((pr.prison_id, "programs", "LaunchProgram", {
                "program_id": pr.program_id, "agreement_id": pr.agreement_id,
                "name": f"Rehabilitasi {i + 1}", "cohort": "2026-I", "activities": ACTIVITIES,
                "starts_on": STARTS.date().isoformat(), "ends_on": "2026-12-28",
                "capacity": len(pr.participants) + 5}))
            for person in pr.participants:
                registers.append((pr.prison_id, "programs", "RegisterParticipant", {
                    "participant_id": person, "case_type": "narcotics_user",
                    "admitted_on": "2025-06-02"}))
            enrols.append([(pr.prison_id, "programs", "EnrollParticipant", {
                "program_id": pr.program_id, "participant_id": person,
                "enrolled_on": STARTS.date().isoformat()}) for person in pr.participants])
        return [[[c] for c in signs], [[c] for c in launches + registers], enrols]

    def plan(self, pr: Program, session_id: str, held_at: str, activity: str) -> dict:
        return {"session_id": session_id, "program_id": pr.program_id,
                "scheduled_for": held_at, "activity": activity,
                "topic": f"Sesi {activity}", "facilitators": _facilitators(activity)}

    def hold(self, pr: Program, session_id: str | None = None, held_at: str | None = None,
             activity: str | None = None) -> tuple[Command, dict[str, str]]:
        activity = activity or self.rng.choice(ACTIVITIES)
        marks = {p: self.rng.choices(STATUSES, WEIGHTS)[0] for p in pr.participants}
        data = {**self.plan(pr, session_id or new_id(), held_at or pr.next_held_at(), activity),
                "duration_minutes": self.rng.choice((90, 100, 105, 120)),
                "attendance": [{"participant_id": p, "status": s} for p, s in marks.items()]}
        data["held_at"] = data.pop("scheduled_for")
        return (pr.prison_id, "attendance", "HoldSession", data), marks

    def stream(self, client: int, clients: int) -> Iterator[Command]:
        """Client `client` of `clients`: its own sessions, spread over every work program."""
        for n in itertools.count():
            pr = self.work[(client + n * clients) % len(self.work)]
            session_id, held_at = new_id(), pr.next_held_at()
            activity = ACTIVITIES[n % len(ACTIVITIES)]
            if n % 20 != 19:  # most sessions are scheduled first; some are only held
                yield (pr.prison_id, "attendance", "ScheduleSession",
                       self.plan(pr, session_id, held_at, activity))
            command, marks = self.hold(pr, session_id, held_at, activity)
            yield command
            if n % 10 == 5:
                person = pr.participants[n % len(pr.participants)]
                status = "excused" if marks[person] != "excused" else "present"
                yield (pr.prison_id, "attendance", "CorrectAttendance", {
                    "session_id": session_id, "participant_id": person, "status": status,
                    "reason": "Surat keterangan diserahkan setelah sesi"})
            if n % 10 == 7:
                person = pr.participants[(client + n) % len(pr.participants)]
                yield (pr.prison_id, "programs", "RecordAssessment", {
                    "participant_id": person, "instrument": "ASSIST", "phase": "mid",
                    "score": round(self.rng.uniform(5, 30), 1), "assessed_on": "2026-06-01",
                    "program_id": pr.program_id})
