"""Response bodies of the reporting API, as documented in its OpenAPI document."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, Field

from services.reporting.http.plan_models import PlanPhase
from shared.contract.fields import Track

SLUG = r"^[a-z0-9][a-z0-9-]{1,62}$"
UUID = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
AggregateType = Literal["agreement", "program", "participant", "session", "prison"]
AgreementStatus = Literal["active", "expiring", "expired", "terminated"]
ProgramStatus = Literal["open", "closed"]
Format = Literal["json", "csv", "xlsx"]


class ErrorDetail(BaseModel):
    field: str = Field(description="The request field at fault.")
    message: str


class ErrorInfo(BaseModel):
    # `unauthenticated` (401) is the reports' own: a command is never answered without an
    # identity, so the contract's command codes have no such code.
    code: Literal["invalid", "unauthenticated", "forbidden", "not_found", "conflict", "rule",
                  "unavailable"]
    message: str
    details: list[ErrorDetail]


class ErrorBody(BaseModel):
    """The contract's failure body, the same as a command's failure reply."""

    ok: Literal[False] = False
    error: ErrorInfo


class ProjectionHealth(BaseModel):
    last_seq: int = Field(description="Last stream sequence the projection has applied.")
    lag: int = Field(description="stream_last_seq minus last_seq: events not yet applied.")
    parked: int = Field(0, description="Events this projection could not apply and parked "
                        "(with those no projection could read); `pulih replay --parked` "
                        "retries them after a fix.")


class Health(BaseModel):
    projections: dict[str, ProjectionHealth]
    stream_last_seq: int = Field(description="Last sequence of the PULIH_EVENTS stream.")
    problem: str | None = Field(None, description="Why the projections apply nothing and the "
                                "live reports answer 503: the log no longer holds the events "
                                "the read-model was built from (it went backwards or was "
                                "replaced; `pulih replay` rebuilds it). null when healthy.")


class AgreementItem(BaseModel):
    agreement_id: str
    prison_id: str
    partner_id: str
    partner_name: str
    number: str = Field(description="The PKS number.")
    title: str
    services: list[str]
    signed_on: date
    effective_from: date
    effective_until: date = Field(description="The last day the agreement is in force.")
    status: AgreementStatus = Field(
        description="`terminated` if ever terminated; else `expired` when today is past "
        "effective_until or the agreement was marked expired; else `expiring` with at most 60 "
        "days left; else `active` (also before effective_from).")
    days_left: int = Field(
        ge=0, description="effective_until minus today in days (WIB calendar), floored at 0; "
        "0 when expired or terminated; 0 on the last day in force.")
    extensions: int = Field(description="How many times the agreement was extended.")


class AgreementList(BaseModel):
    items: list[AgreementItem]


class ProgramReport(BaseModel):
    program_id: str
    prison_id: str
    agreement_id: str
    name: str
    cohort: str
    capacity: int
    status: ProgramStatus = Field(description="`closed` once the program was closed, else `open`.")
    enrolled: int = Field(description="Participants ever enrolled, each counted once.")
    active: int = Field(description="Participants whose latest enrolment is still running: "
                        "enrolled − completed − withdrawn.")
    completed: int = Field(description="Participants whose latest enrolment ended completed.")
    withdrawn: int = Field(description="Participants whose latest enrolment ended withdrawn "
                           "(someone withdrawn and enrolled again is active).")
    sessions_held: int = Field(description="Sessions held; scheduled or cancelled ones excluded.")
    attendance_rate: float | None = Field(
        ge=0, le=1, description="(present + late) / (present + late + absent) over the held "
        "sessions' marks, corrections applied, excused left out; null when that is 0 / 0.")
    sessions_not_held: int = Field(description="Sessions recorded not held "
                                   "(RecordSessionNotHeld), whatever the reason.")
    # Defaults: "not recorded", as for a program launched before tracks existed.
    track: Track | None = Field(None, description="medical, social or post_rehabilitation; "
                                "null when not recorded (a program launched without one).")
    planned_days: int | None = Field(None, description="Each participant's planned length in "
                                     "days; null when not recorded.")
    phases: list[PlanPhase] = Field([], description="The phase plan, in the order participants "
                                    "go through it; [] when the program has none.")
    phase_counts: dict[str, int] = Field(
        {}, description="Per phase of the plan, in its order: the active participants in it now "
        "(a participant is in the plan's first phase from each enrolment until advanced); "
        "every phase present, 0 when nobody is in it; {} without a plan.")


class AuditEvent(BaseModel):
    seq: int = Field(description="Sequence in the PULIH_EVENTS stream.")
    type: str
    aggregate_version: int
    occurred_at: str = Field(description="Business time, RFC 3339, exactly as recorded.")
    recorded_at: str = Field(description="Server time of the append, RFC 3339, as recorded.")
    actor: str
    command_id: str
    correlation_id: str
    causation_id: str | None
    prev_hash: str
    hash: str
    data: dict[str, Any]


class AuditTrail(BaseModel):
    events: list[AuditEvent]


class ProgramKey(BaseModel):
    prison_id: str
    partner_id: str | None = Field(description="The partner of the program's agreement "
                                   "(null only if that agreement is missing from the read model).")
    agreement_id: str
    program_id: str
    program_name: str


class PrisonKey(BaseModel):
    prison_id: str


class Indicators(BaseModel):
    enrolled: int = Field(description="Participants whose first enrolment is on or before `to`, "
                          "each once (`from` does not limit them).")
    active: int = Field(description="enrolled − completed − withdrawn.")
    completed: int = Field(description="Participants whose latest enrolment started by `to` "
                           "ended completed inside the window.")
    withdrawn: int = Field(description="Participants whose latest enrolment started by `to` "
                           "ended withdrawn (any reason) inside the window.")
    completion_rate: float | None = Field(description="completed / enrolled; null when 0 / 0.")
    sessions_held: int = Field(description="Held sessions whose WIB day is inside the window.")
    hours_by_activity: dict[str, float] = Field(
        description="Per activity, the held sessions' duration_minutes summed, / 60.")
    attendance_rate: float | None = Field(
        ge=0, le=1, description="(present + late) / (present + late + absent) over those "
        "sessions' marks, corrections applied, excused left out; null when that is 0 / 0.")
    score_change: dict[str, float] = Field(
        description="Per instrument, the mean of last exit − first intake over the participants "
        "with both, recorded for the program, dated on or before `to`; a score outside its "
        "instrument's range counts as not recorded (see score_excluded). Computed exactly, "
        "rounded once.")
    score_excluded: dict[str, int] = Field(
        description="Per instrument, the intake and exit assessments left out of "
        "score_change because their score is outside the instrument's range (only events "
        "recorded before scores were bounded can hold one); only instruments with some.")
    released: int = Field(description="Participants whose first release after their first "
                          "enrolment in the program is dated inside the window.")
    released_6m: int = Field(description="Of those, released at least 6 calendar months "
                             "before `to`.")
    readmitted_6m: int = Field(description="Of those, readmitted within 6 calendar months "
                               "after that release.")
    released_12m: int = Field(description="As released_6m, 12 calendar months.")
    readmitted_12m: int = Field(description="As readmitted_6m, within 12 calendar months.")
    released_24m: int = Field(description="As released_6m, 24 calendar months.")
    readmitted_24m: int = Field(description="As readmitted_6m, within 24 calendar months.")


class UrineIndicators(BaseModel):
    """Urine tests and violations, after the v1 fields (services/reporting/read/urine.py)."""

    urine_tests: int = Field(description="Urine tests dated inside the window that name the "
                             "program or were taken while the participant was enrolled in it.")
    urine_positive: int = Field(description="Of those, tests with at least one positive result.")
    positivity_rate: float | None = Field(
        ge=0, le=1, description="urine_positive / tests with at least one result that is not "
        "invalid; null when there is none.")
    violations: int = Field(description="Violations those tests opened (one per positive test).")
    violations_open: int = Field(description="Of those, not resolved on or before `to`.")
    violations_sanctioned: int = Field(description="Of those, resolved `sanctioned` on or "
                                       "before `to`.")


class SessionIndicators(BaseModel):
    """Appended for issue 13 (sessions not held, make-ups, compliance), after every v1 field."""

    sessions_not_held: int = Field(description="Sessions recorded not held whose planned_for "
                                   "WIB day is inside the window.")
    not_held_by_reason: dict[str, int] = Field(
        description="sessions_not_held per reason (partner_absent, security_lockdown, holiday, "
        "facilitator_ill, participants_unavailable, other); only reasons with some.")
    makeup_sessions: int = Field(description="Sessions (not held or cancelled) made up by a "
                                 "session held inside the window, each counted once.")
    compliance_rate: float | None = Field(
        ge=0, le=1, description="compliant / marks with a compliance recorded, among the present "
        "and late marks of the held sessions inside the window, corrections applied; null when "
        "no mark has one.")


class EvaluationItem(SessionIndicators, UrineIndicators, Indicators, ProgramKey):
    """One program's evaluation."""

    track: Track | None = Field(None, description="The program's track; null when not "
                                "recorded.")


class EvaluationList(BaseModel):
    items: list[EvaluationItem]


class RegionalV1(Indicators, PrisonKey):
    agreements_active: int = Field(description="The prison's agreements whose /agreements "
                                   "status on `to` is active or expiring.")


class RegionalItem(SessionIndicators, UrineIndicators, RegionalV1):
    """One prison: its programs' counts summed, rates and means recomputed from the sums."""


class RegionalList(BaseModel):
    items: list[RegionalItem]


class QuotaItem(BaseModel):
    """Target vs realised of one track in one year, for a prison, a Kanwil or the nation."""

    year: int
    level: Literal["prison", "kanwil", "national"]
    kanwil_id: str | None = Field(description="The prison's Kanwil (its latest AssignKanwil), "
                                  "or the Kanwil rolled up; null: not assigned yet (a kanwil "
                                  "row of the prisons with no Kanwil), and on national rows.")
    prison_id: str | None = Field(description="The prison; null above prison level.")
    track: Literal["medical", "social", "post_rehabilitation"]
    target: int | None = Field(description="The target in force (the latest SetQuota for the "
                               "year and track); above prison level the sum of the prisons' "
                               "targets. null when none was set.")
    realised: int = Field(description="Distinct participants enrolled in a program of the "
                          "track with an enrolment date in the year; summed above prison "
                          "level.")
    realisation_rate: float | None = Field(description="realised / target; null when the "
                                           "target is 0 or null.")
    prisons_without_target: int = Field(description="Prisons of the row with no target set "
                                        "for the year and track (0 or 1 on a prison row).")


class QuotaList(BaseModel):
    items: list[QuotaItem]


AGREEMENT_COLUMNS = tuple(AgreementItem.model_fields)
AUDIT_COLUMNS = tuple(AuditEvent.model_fields)
PROGRAM_COLUMNS = tuple(ProgramReport.model_fields)
EVALUATION_COLUMNS = tuple(EvaluationItem.model_fields)
REGIONAL_COLUMNS = tuple(RegionalItem.model_fields)
QUOTA_COLUMNS = tuple(QuotaItem.model_fields)
