"""The intake pipeline (docs/pathway.md §1) of a cohort's participants, and of the candidates
screened for it who never joined: a low-risk screening (drug education only), an
ineligibility, a refusal, one still on the waitlist and one placed outside the prison."""

from __future__ import annotations

import random
from datetime import date
from typing import Any

from deploy.demo_region.people import Person
from deploy.demo_region.timeline import Timeline, days, person_id

TEAM = [{"role": role} for role in ("doctor", "psychologist", "counselor", "officer", "bnn")]
INELIGIBLE = ("not_narcotics", "health", "sentence_too_short", "security")


def _decree(prison_code: str, day: date, n: int) -> str:
    return f"W15.PAS.{prison_code}-PK.01.04/{n:03d}/{day.year}"


def pipeline(tl: Timeline, prison: str, code: str, person: Person, track: str,
             program_id: str | None, setting: str = "inside") -> None:
    """Screening → referral → assessment → (waitlist) → placement by the head's decree."""
    pid = person.participant_id

    def add(day: date, name: str, data: dict[str, Any]) -> None:
        tl.add(prison, day, "programs", name, {"participant_id": pid, **data})

    add(person.screened_on, "RecordScreening", {
        "screened_on": person.screened_on.isoformat(), "instrument": "ASSIST",
        "score": person.score, "risk": person.risk})
    add(person.referred_on, "ReferForAssessment", {
        "referred_on": person.referred_on.isoformat(), "team": TEAM})
    add(person.concluded_on, "ConcludeAssessment", {
        "concluded_on": person.concluded_on.isoformat(), "instrument": "ASI",
        "recommended_track": track, "recommended_setting": setting,
        "note": "Rekomendasi tim asesmen terpadu"})
    if person.waitlisted_on is not None:
        add(person.waitlisted_on, "WaitlistParticipant", {
            "waitlisted_on": person.waitlisted_on.isoformat(), "track": track})
    add(person.decided_on, "DecidePlacement", {
        "decided_on": person.decided_on.isoformat(),
        "decree_number": _decree(code, person.decided_on, person.n), "track": track,
        "setting": setting, "program_id": program_id})


def register(tl: Timeline, prison: str, pid: str, case_type: str, admitted_on: date) -> None:
    tl.add(prison, admitted_on, "programs", "RegisterParticipant", {
        "participant_id": pid, "case_type": case_type, "admitted_on": admitted_on.isoformat()})


def candidates(tl: Timeline, rng: random.Random, prison: str, code: str, cohort: str,
               track: str, starts_on: date, turn: int) -> None:
    """The five candidates of a cohort who are not in it."""
    screened = starts_on - days(rng.randint(30, 45))

    def person(key: str, risk: str, score: int) -> str:
        pid = person_id(f"{prison}/{cohort}/{key}")
        register(tl, prison, pid, "narcotics_user", screened - days(rng.randint(20, 200)))
        tl.add(prison, screened, "programs", "RecordScreening", {
            "participant_id": pid, "screened_on": screened.isoformat(), "instrument": "ASSIST",
            "score": score, "risk": risk})
        return pid

    person("low-risk", "low", rng.randint(0, 3))
    unfit = person("ineligible", "moderate", rng.randint(6, 20))
    tl.add(prison, screened + days(2), "programs", "RecordIneligibility", {
        "participant_id": unfit, "decided_on": (screened + days(2)).isoformat(),
        "reason": INELIGIBLE[turn % len(INELIGIBLE)], "note": None})
    for key, setting in (("refused", "inside"), ("waiting", "inside"), ("outside", "outside")):
        pid = person(key, "high", rng.randint(27, 36))
        tl.add(prison, screened + days(1), "programs", "ReferForAssessment", {
            "participant_id": pid, "referred_on": (screened + days(1)).isoformat(),
            "team": TEAM})
        concluded = screened + days(rng.randint(5, 9))
        tl.add(prison, concluded, "programs", "ConcludeAssessment", {
            "participant_id": pid, "concluded_on": concluded.isoformat(), "instrument": "ASI",
            "recommended_track": "medical" if setting == "outside" else track,
            "recommended_setting": setting, "note": None})
        then = concluded + days(3)
        if key == "refused":
            tl.add(prison, then, "programs", "RecordRefusal", {
                "participant_id": pid, "refused_on": then.isoformat(),
                "reason": "Tidak bersedia mengikuti rehabilitasi"})
        elif key == "waiting":
            tl.add(prison, then, "programs", "WaitlistParticipant", {
                "participant_id": pid, "waitlisted_on": then.isoformat(), "track": track})
        else:
            tl.add(prison, then, "programs", "DecidePlacement", {
                "participant_id": pid, "decided_on": then.isoformat(),
                "decree_number": _decree(code, then, 900 + turn), "track": "medical",
                "setting": "outside", "program_id": None})
