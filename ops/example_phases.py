"""A phase plan for the documents' examples and the audit tests (issue 13, docs/pathway.md
section 2): the demo scenario has none until it is updated."""

from __future__ import annotations

from deploy import demo


def phased(prison: str = demo.PRISON) -> list[demo.Command]:
    """A social-rehabilitation program with a Therapeutic Community phase plan under the LRPPN
    agreement, one participant enrolled in it and moved on to its second phase: what the demo
    scenario lacks (until it is updated) for `AdvancePhase` and `PhaseAdvanced`."""
    program_id, participant_id = (demo.demo_id(f"example/phased-{key}", prison)
                                  for key in ("program", "participant"))
    return [
        ("programs", "RegisterParticipant", {
            "participant_id": participant_id, "case_type": "narcotics_user",
            "admitted_on": "2025-08-01"}),
        ("programs", "LaunchProgram", {
            "program_id": program_id, "agreement_id": demo.demo_id("agreement/lrppn-bi-2025",
                                                                   prison),
            "name": "Rehabilitasi sosial TC 2025", "cohort": "Angkatan II",
            "activities": ["counseling"], "starts_on": "2025-09-01",
            "ends_on": "2026-02-27", "capacity": 40, "track": "social", "planned_days": 180,
            "phases": [{"name": "induction", "days": 30}, {"name": "primary", "days": 120},
                       {"name": "re_entry", "days": 30}]}),
        ("programs", "EnrollParticipant", {
            "program_id": program_id, "participant_id": participant_id,
            "enrolled_on": "2025-09-01"}),
        ("programs", "AdvancePhase", {
            "program_id": program_id, "participant_id": participant_id, "phase": "primary",
            "advanced_on": "2025-10-01"}),
    ]
