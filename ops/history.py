"""`pulih audit history`: who did what, when, why — one aggregate's events as stored."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import orjson
from nats.aio.client import Client

from ops.checks import printable
from shared.contract.events import (
    AgreementAmended,
    AgreementExpired,
    AgreementExtended,
    AgreementSigned,
    AgreementTerminated,
    AssessmentConcluded,
    AssessmentRecorded,
    AttendanceCorrected,
    ConditionalReleaseRevoked,
    KanwilAssigned,
    ParticipantCompleted,
    ParticipantDied,
    ParticipantEnrolled,
    ParticipantFoundIneligible,
    ParticipantReadmitted,
    ParticipantRegistered,
    ParticipantReleased,
    ParticipantTransferred,
    ParticipantWaitlisted,
    ParticipantWithdrawn,
    PhaseAdvanced,
    PlacementDecided,
    PlacementRefused,
    ProgramClosed,
    ProgramLaunched,
    QuotaSet,
    ReferredForAssessment,
    ScreeningRecorded,
    SessionCancelled,
    SessionHeld,
    SessionNotHeld,
    SessionScheduled,
    UrineTestRecorded,
    ViolationResolved,
)
from shared.eventlog import LogMessage, read_log, stream_state, subject_filter


async def history(nc: Client, aggregate_type: str, aggregate_id: str, prison_id: str = "*"
                  ) -> list[LogMessage]:
    """Every stored event of the aggregates of that id, in one prison or in whatever prison
    (ids are unique within a prison only: the text names every prison found), in order."""
    await stream_state(nc)
    filter_ = subject_filter(prison_id, aggregate_type=aggregate_type,
                             aggregate_id=aggregate_id)
    return [m async for batch in read_log(nc, filter_) for m in batch]


ROW_FIELDS = ("event_id", "type", "schema_version", "prison_id", "aggregate_version",
              "occurred_at", "recorded_at", "actor", "command_id", "correlation_id",
              "causation_id", "prev_hash", "hash", "data")


def history_row(seq: int, envelope: dict[str, Any] | None) -> dict[str, Any]:
    """One event of a history: the stored envelope's fields and a one-line summary of its data
    (what, and why where the event says: a reason, a note)."""
    envelope = envelope or {"type": "?", "data": "(the body is not a JSON object)"}
    row = {"seq": seq, **{k: envelope.get(k) for k in ROW_FIELDS}}
    try:
        row["summary"] = SUMMARIES[row["type"]](row["data"])
    except Exception:  # an unknown type or a malformed body: show the data itself
        row["summary"] = orjson.dumps(row["data"]).decode()[:300]
    return row


def history_text(aggregate_type: str, aggregate_id: str, rows: list[dict[str, Any]]) -> str:
    prisons = ", ".join(sorted({str(r["prison_id"]) for r in rows}))
    head = ("seq", "v", "recorded_at", "occurred_at", "actor", "event")
    cells = [[str(r["seq"]), str(r["aggregate_version"]), str(r["recorded_at"]),
              str(r["occurred_at"]), str(r["actor"]), str(r["type"])] for r in rows]
    widths = [max(len(c[i]) for c in [list(head), *cells]) for i in range(len(head))]
    lines = [f"{aggregate_type} {aggregate_id} in {prisons}: {len(rows)} events",
             "  ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)) + "  what / why"]
    for r, c in zip(rows, cells, strict=True):
        ids = f"correlation {r['correlation_id']}"
        if r["causation_id"]:
            ids += f", caused by {r['causation_id']}"
        lines.append("  ".join(v.ljust(w) for v, w in zip(c, widths, strict=True))
                     + f"  {r['summary']}  [{ids}]")
    return "\n".join(printable(line) for line in lines) + "\n"


def history_json(aggregate_type: str, aggregate_id: str, rows: list[dict[str, Any]]) -> str:
    return orjson.dumps({"aggregate_type": aggregate_type, "aggregate_id": aggregate_id,
                        "events": rows}, option=orjson.OPT_INDENT_2).decode() + "\n"


def _why(d: dict[str, Any], *keys: str) -> str:
    return "".join(f"; {k}: {' '.join(str(d[k]).split())}" for k in keys if d.get(k))


def _plan(phases: Any) -> str:
    """A v2 launch's phase plan, `; phases: induction 30d, primary 120d` (none: nothing)."""
    if not phases:
        return ""
    return "; phases: " + ", ".join(f"{p['name']} {p['days']}d" for p in phases)


# The registry's attendance statuses in the order a reader wants them: attended first.
MARK_ORDER = ("present", "late", "absent", "excused")


def _held(d: dict[str, Any]) -> str:
    marks = Counter(m["status"] for m in d["attendance"])
    counts = ", ".join(f"{marks[s]} {s}" for s in MARK_ORDER)
    graded = Counter(m["compliance"] for m in d["attendance"] if m.get("compliance"))
    compliance = ("; compliance " + ", ".join(f"{graded[c]} {c}" for c in sorted(graded))
                  if graded else "")
    return (f"{d['activity']} \"{d['topic']}\" at {d['held_at']}, {d['duration_minutes']} min, "
            f"program {d['program_id']}; {counts}{compliance}" + _why(d, "makeup_for"))


# A summary reads the data as stored, not as the registry's typed event: a history shows any
# version and any shape the log holds (a v1 assessment, a malformed body), each value spelled
# as written (an instant as stored, not re-rendered). Its keys are the registry's types.
SUMMARIES: dict[str, Callable[[dict[str, Any]], str]] = {
    AgreementSigned.TYPE: lambda d: (
        f"{d['number']} \"{d['title']}\" with {d['partner']['name']} ({d['partner']['id']}), "
        f"in force {d['effective_from']} to {d['effective_until']}, signed {d['signed_on']}; "
        f"services {', '.join(d['services'])}" + _why(d, "renews")),
    AgreementExtended.TYPE: lambda d: (
        f"until {d['effective_until']}, signed {d['signed_on']}" + _why(d, "note")),
    AgreementAmended.TYPE: lambda d: (
        "changes " + ", ".join(f"{k}={v}" for k, v in d["changes"].items())
        + f", signed {d['signed_on']}" + _why(d, "note")),
    AgreementTerminated.TYPE: lambda d: f"on {d['terminated_on']}" + _why(d, "reason"),
    AgreementExpired.TYPE: lambda d: f"on {d['expired_on']}",
    ProgramLaunched.TYPE: lambda d: (
        f"\"{d['name']}\" cohort {d['cohort']} under agreement {d['agreement_id']}, "
        f"{d['starts_on']} to {d['ends_on']}, capacity {d['capacity']}; "
        f"activities {', '.join(d['activities'])}" + _why(d, "track", "planned_days")
        + _plan(d.get("phases"))),
    ParticipantEnrolled.TYPE: lambda d: f"participant {d['participant_id']} on {d['enrolled_on']}",
    ParticipantWithdrawn.TYPE: lambda d: (
        f"participant {d['participant_id']} on {d['withdrawn_on']}"
        + _why(d, "reason", "note")),
    ParticipantCompleted.TYPE: lambda d: (
        f"participant {d['participant_id']} on {d['completed_on']}"),
    ProgramClosed.TYPE: lambda d: f"on {d['closed_on']}",
    PhaseAdvanced.TYPE: lambda d: (
        f"participant {d['participant_id']} to {d['phase']} on {d['advanced_on']}"),
    ParticipantRegistered.TYPE: lambda d: f"{d['case_type']}, admitted {d['admitted_on']}",
    AssessmentRecorded.TYPE: lambda d: (
        f"{d['instrument']} {d['phase']} score {d['score']} on {d['assessed_on']}"
        + _why(d, "program_id", "assessor_role")),
    ParticipantReleased.TYPE: lambda d: (
        f"{d['release_type']} on {d['released_on']}"
        + ("" if d.get("conditional") is None else
           f", {'conditional' if d['conditional'] else 'final'}")),
    ParticipantReadmitted.TYPE: lambda d: f"on {d['readmitted_on']}",
    UrineTestRecorded.TYPE: lambda d: (
        f"{d['kind']} test {d['test_id']} on {d['tested_on']}: "
        + ", ".join(f"{s} {r}" for s, r in d["results"].items())
        + _why(d, "point", "program_id")),
    ViolationResolved.TYPE: lambda d: (
        f"test {d['test_id']} {d['outcome']} on {d['resolved_on']}" + _why(d, "note")),
    ParticipantTransferred.TYPE: lambda d: f"to {d['to_prison_id']} on {d['transferred_on']}",
    ConditionalReleaseRevoked.TYPE: lambda d: f"on {d['revoked_on']}" + _why(d, "reason"),
    ParticipantDied.TYPE: lambda d: f"on {d['died_on']}",
    SessionScheduled.TYPE: lambda d: (
        f"{d['activity']} \"{d['topic']}\" for {d['scheduled_for']}, "
        f"program {d['program_id']}"),
    SessionHeld.TYPE: _held,
    AttendanceCorrected.TYPE: lambda d: (
        f"participant {d['participant_id']} now {d['status']}"
        + _why(d, "compliance", "reason")),
    SessionCancelled.TYPE: lambda d: _why(d, "reason")[2:],
    ScreeningRecorded.TYPE: lambda d: (
        f"{d['instrument']} score {d['score']}, {d['risk']} risk, on {d['screened_on']}"),
    ReferredForAssessment.TYPE: lambda d: (
        f"on {d['referred_on']}, team " + ", ".join(m["role"] for m in d["team"])),
    AssessmentConcluded.TYPE: lambda d: (
        f"{d['instrument']} on {d['concluded_on']}: {d['recommended_track']} "
        f"{d['recommended_setting']}" + _why(d, "note")),
    PlacementDecided.TYPE: lambda d: (
        f"decree {d['decree_number']} on {d['decided_on']}: {d['track']} {d['setting']}"
        + _why(d, "program_id")),
    ParticipantWaitlisted.TYPE: lambda d: f"for {d['track']} on {d['waitlisted_on']}",
    PlacementRefused.TYPE: lambda d: f"on {d['refused_on']}" + _why(d, "reason"),
    ParticipantFoundIneligible.TYPE: lambda d: f"on {d['decided_on']}" + _why(d, "reason", "note"),
    SessionNotHeld.TYPE: lambda d: (
        f"planned for {d['planned_for']}, program {d['program_id']}" + _why(d, "reason", "note")),
    KanwilAssigned.TYPE: lambda d: (
        f"to {d['kanwil_name']} ({d['kanwil_id']}) from {d['assigned_on']}"),
    QuotaSet.TYPE: lambda d: (
        f"{d['year']} {d['track']} target {d['target']}" + _why(d, "note")),
}

