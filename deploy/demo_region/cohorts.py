"""One cohort of a prison, whole: its program (track and phase plan), its participants'
registration, intake pipeline, enrolment, measures, sessions, leaving, the program's closing,
the candidates who did not join, and what became of the participants afterwards."""

from __future__ import annotations

from dataclasses import dataclass

from deploy.demo import demo_id
from deploy.demo_region import custody, intake, measures, sessions
from deploy.demo_region.people import NOTES, people, rng_for
from deploy.demo_region.prisons import CohortPlan
from deploy.demo_region.timeline import Timeline, days

ACTIVITIES = {"social": ("counseling", "social_guidance", "skills_training"),
              "medical": ("medical", "counseling"),
              "post_rehabilitation": ("aftercare", "counseling")}
NAMES = {"social": "Rehabilitasi Sosial", "medical": "Rehabilitasi Medis",
         "post_rehabilitation": "Pascarehabilitasi"}


@dataclass(frozen=True)
class Place:
    """Where a cohort runs: its prison (slug and agreement-number code), the agreement it
    runs under and the partner's name its staff are named after."""
    prison: str
    code: str
    agreement_id: str
    partner: str
    prisons: tuple[str, ...]  # the region's, for transfers and readmissions elsewhere


def program_id(prison: str, cohort: str) -> str:
    return demo_id(f"program/{cohort}", prison)


def cohort(tl: Timeline, place: Place, plan: CohortPlan, turn: int) -> None:
    prison, track = place.prison, plan.track
    rng = rng_for(prison, plan.key)
    plan_fields = measures.phase_plan(track)
    starts_on = plan.starts_on
    ends_on = starts_on + days(plan_fields["planned_days"] - 1)
    pid = program_id(prison, plan.key)
    group = people(rng, prison, plan.key, starts_on, ends_on, plan.size, turn)
    activities = ACTIVITIES[track]
    tl.add(prison, starts_on - days(30), "programs", "LaunchProgram", {
        "program_id": pid, "agreement_id": place.agreement_id,
        "name": f"{NAMES[track]} {plan.key}", "cohort": plan.key,
        "activities": list(activities), "starts_on": starts_on.isoformat(),
        "ends_on": ends_on.isoformat(), "capacity": plan.size + 5, **plan_fields})
    for p in group:
        intake.register(tl, prison, p.participant_id, p.case_type, p.admitted_on)
        intake.pipeline(tl, prison, place.code, p, track, pid)
        tl.add(prison, p.enrolled_on, "programs", "EnrollParticipant", {
            "program_id": pid, "participant_id": p.participant_id,
            "enrolled_on": p.enrolled_on.isoformat()})
    intake.candidates(tl, rng, prison, place.code, plan.key, track, starts_on, turn)
    measures.assessments(tl, prison, pid, group, track, rng, ends_on)
    measures.urine_tests(tl, prison, pid, group, rng, starts_on, ends_on, turn)
    measures.phase_advances(tl, prison, pid, group, track, rng, ends_on)
    sessions.sessions(tl, prison, pid, group, activities, place.partner, rng, starts_on,
                      ends_on, turn)
    for p in group:
        if p.withdrawal is not None:
            tl.add(prison, p.left_on, "programs", "WithdrawParticipant", {
                "program_id": pid, "participant_id": p.participant_id,
                "withdrawn_on": p.left_on.isoformat(), "reason": p.withdrawal,
                "note": NOTES[p.withdrawal]})
            custody.withdrawal_custody(tl, prison, place.prisons, p)
        else:
            tl.add(prison, ends_on, "programs", "CompleteParticipant", {
                "program_id": pid, "participant_id": p.participant_id,
                "completed_on": ends_on.isoformat()})
    tl.add(prison, ends_on, "programs", "CloseProgram", {
        "program_id": pid, "closed_on": ends_on.isoformat()})
    custody.after_program(tl, prison, place.prisons, group, rng, ends_on, turn)
