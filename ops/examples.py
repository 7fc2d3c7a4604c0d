"""The example messages of docs/asyncapi.json: what Pulih really sends and writes.

The demo scenario (deploy/demo.py), plus the amendment, the expiry, the custody commands and
the phase plan (`phased`) it lacks, goes through the three command services' real edge
(`shared.command_edge.handle`) onto the in-memory log, at a fixed clock and with command ids
derived from their place in the list, so the examples are the same at every generation. The
first request of each command and its reply are its examples, the first event of each type
that type's. The error replies are real too: each request sent again with a key no command has
(`invalid`: a NIK is refused, never stored), and sent again under a new command_id once the
scenario is done (`rule` or `not_found`: already signed, already held...).

Every example is checked here against the model it documents, so the document cannot show a
message Pulih would refuse; tests/unit/test_docs_examples.py checks each one again against the
document's own JSON Schemas.
"""

from __future__ import annotations

import asyncio
import copy
import functools
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson
from pydantic import TypeAdapter
from structlog.testing import capture_logs

from deploy import demo
from ops.example_phases import phased
from services.agreements import handlers as agreements
from services.agreements.expiry import expire_due
from services.attendance import handlers as attendance
from services.programs import handlers as programs
from shared.bus import command_subject
from shared.command_edge import handle
from shared.contract.validation import validate
from shared.executor import Context, Executor
from shared.memory_store import InMemoryEventStore
from shared.replies import CommandReply

CLOCK = datetime(2026, 8, 3, 2, 0, tzinfo=UTC)  # after every date of the demo scenario
PRISON = demo.PRISON
IDS = uuid.UUID("6f1e0b9a-3c2d-5e4f-8a7b-6578616d706c")
TABLES = {"agreements": agreements.TABLE, "programs": programs.TABLE,
          "attendance": attendance.TABLE}
# An agreement that ran out, so that the service's own AgreementExpired has an example.
RAN_OUT = {
    "agreement_id": demo.demo_id("agreement/example-2024"), "number": "PKS/LPB/2024/III/011",
    "title": "Pembinaan keterampilan kerja", "services": ["skills_training"],
    "partner": {"id": "balai-latihan-kerja", "name": "Balai Latihan Kerja Banyuwangi",
                "kind": "government"},
    "signed_on": "2024-03-01", "effective_from": "2024-03-01", "effective_until": "2025-02-28",
    "signatories": [demo.PRISON_HEAD, {"name": "Kepala BLK", "title": "Kepala Balai",
                                       "party": "partner"}],
    "renews": None, "committed_sessions_per_month": 2}


def urine_commands(prison: str = PRISON) -> list[tuple[str, str, dict[str, Any]]]:
    """A random test of a cohort participant during the program, positive, and its violation
    sanctioned (the demo scenario has no urine test yet)."""
    who = demo.demo_id("participant/02", prison)
    test = demo.demo_id("urine-test/participant-02/2025-09-15", prison)
    return [("programs", "RecordUrineTest", {
        "participant_id": who, "test_id": test, "tested_on": "2025-09-15", "kind": "random",
        "point": None, "panel": ["methamphetamine", "cannabis"],
        "results": {"methamphetamine": "positive", "cannabis": "negative"},
        "witnessed": True, "program_id": demo.program_id(prison)}),
        ("programs", "ResolveViolation", {
            "participant_id": who, "test_id": test, "resolved_on": "2025-09-18",
            "outcome": "sanctioned", "note": "Sidang TPP: hak remisi ditunda"})]


# A region's commands (not in the demo, sent by the Kanwil's identity, not an officer).
KANWIL = "kanwil-jatim"
REGION_ACTOR = f"region:{KANWIL}:demo"
ASSIGNMENT = {"kanwil_id": KANWIL, "kanwil_name": "Kanwil Kemenkumham Jawa Timur",
              "assigned_on": "2025-01-02"}
QUOTA = {"year": 2025, "track": "social", "target": 60, "note": "Kuota DIPA 2025"}


AMENDMENT = {"agreement_id": demo.LRPPN, "signed_on": "2025-06-02",
             "changes": {"committed_sessions_per_month": 6},
             "note": "Tambahan sesi konseling mulai Juni 2025"}

# A session the demo cohort lost to a lockdown (issue 13): RecordSessionNotHeld's example.
NOT_HELD = {"session_id": demo.demo_id("session/example-not-held"),
            "program_id": demo.program_id(), "planned_for": "2025-08-20T09:00:00+07:00",
            "reason": "security_lockdown", "note": "Razia gabungan di blok hunian"}




def intake_steps(prison: str = PRISON) -> list[tuple[str, str, dict[str, Any]]]:
    """The intake pipeline (issue 13 §1), which the demo lacks: participant 02 screened,
    referred, assessed, waitlisted, then placed; 05 refuses; 04 is found ineligible."""
    two, four, five = (demo.demo_id(f"participant/{n:02d}", prison) for n in (2, 4, 5))
    team = [{"role": role} for role in ("doctor", "psychologist", "counselor", "bnn")]

    def screened(pid: str, score: int, risk: str) -> tuple[str, dict[str, Any]]:
        return ("RecordScreening", {"participant_id": pid, "screened_on": "2026-06-01",
                                    "instrument": "ASSIST", "score": score, "risk": risk})

    def assessed(pid: str, score: int, risk: str, track: str, setting: str,
                 note: str | None) -> list[tuple[str, dict[str, Any]]]:
        return [screened(pid, score, risk),
                ("ReferForAssessment", {"participant_id": pid, "referred_on": "2026-06-02",
                                        "team": team}),
                ("ConcludeAssessment", {"participant_id": pid, "concluded_on": "2026-06-08",
                                        "instrument": "ASI", "recommended_track": track,
                                        "recommended_setting": setting, "note": note})]

    steps = [
        *assessed(two, 29, "high", "social", "inside", "Rehabilitasi sosial di dalam Lapas"),
        ("WaitlistParticipant", {"participant_id": two, "waitlisted_on": "2026-06-10",
                                 "track": "social"}),
        ("DecidePlacement", {"participant_id": two, "decided_on": "2026-06-17",
                             "decree_number": "W15.PAS.PAS.12-PK.01.04/2026", "track": "social",
                             "setting": "inside", "program_id": None}),
        *assessed(five, 18, "moderate", "medical", "outside", None),
        ("RecordRefusal", {"participant_id": five, "refused_on": "2026-06-12",
                           "reason": "Tidak bersedia mengikuti rehabilitasi"}),
        screened(four, 6, "moderate"),
        ("RecordIneligibility", {"participant_id": four, "decided_on": "2026-06-03",
                                 "reason": "not_narcotics", "note": None}),
    ]
    return [("programs", name, data) for name, data in steps]
# Issue 13's custody commands, which the demo lacks: a parole revoked, a transfer, a death.
PAROLED = demo.demo_id("participant/example-paroled")
MOVED = demo.demo_id("participant/example-moved")
CUSTODY = [
    *[("programs", "RegisterParticipant", {"participant_id": p, "case_type": "narcotics_user",
                                           "admitted_on": "2024-02-01"}) for p in (PAROLED, MOVED)],
    ("programs", "RecordRelease", {"participant_id": PAROLED, "released_on": "2025-01-06",
                                   "release_type": "parole"}),
    ("programs", "RevokeParole", {"participant_id": PAROLED, "revoked_on": "2025-04-07",
                                  "reason": "violation_of_conditions"}),
    ("programs", "RecordDeath", {"participant_id": PAROLED, "died_on": "2025-05-05"}),
    ("programs", "RecordTransfer", {"participant_id": MOVED, "transferred_on": "2025-02-03",
                                    "to_prison_id": "lapas-jember"})]


@dataclass
class Examples:
    requests: dict[str, dict[str, Any]] = field(default_factory=dict)  # command -> body
    replies: dict[str, list[tuple[str, dict[str, Any]]]] = field(default_factory=dict)
    events: dict[str, dict[str, Any]] = field(default_factory=dict)  # type -> envelope


def examples() -> Examples:
    """A copy of the examples (built once per process)."""
    return copy.deepcopy(_examples())


@functools.cache
def _examples() -> Examples:
    with capture_logs():  # the edge logs every command: not the documents' business
        found = asyncio.run(_run())
    replies = TypeAdapter(CommandReply)
    for name, sent in found.replies.items():
        for _, reply in sent:
            replies.validate_python(reply)
        if {reply["ok"] for _, reply in sent} != {True, False}:
            raise ValueError(f"{name} needs an accepted and a rejected example: {sent}")
    for envelope in found.events.values():
        if problems := validate(envelope):
            raise ValueError(f"example {envelope['type']} is not valid: {problems}")
    return found


def commands() -> list[tuple[str, str, dict[str, Any]]]:
    return [*demo.scenario(PRISON), ("agreements", "AmendAgreement", AMENDMENT),
            ("agreements", "SignAgreement", RAN_OUT), *urine_commands(), *intake_steps(),
            *CUSTODY, ("attendance", "RecordSessionNotHeld", NOT_HELD), *phased(PRISON),
            ("programs", "AssignKanwil", ASSIGNMENT), ("programs", "SetQuota", QUOTA)]


async def _run() -> Examples:
    store = InMemoryEventStore(clock=lambda: CLOCK)
    context = Context(store, lambda: CLOCK)
    executors = {service: Executor(context, table) for service, table in TABLES.items()}
    services: dict[str, str] = {}
    found = Examples()

    async def send(service: str, name: str, body: dict[str, Any]) -> dict[str, Any]:
        return await handle(executors[service], name, command_subject(PRISON, service, name),
                            orjson.dumps(body), None)

    for n, (service, name, data) in enumerate(commands()):
        region = executors[service].table[name].region
        body = {"command_id": _id(n), "actor": REGION_ACTOR if region else demo.actor(PRISON),
                "expected_version": None, "data": data}
        reply = await send(service, name, body)
        if not reply["ok"]:
            raise RuntimeError(f"example command {name} refused: {reply['error']}")
        if name not in found.requests:
            services[name] = service
            found.requests[name] = body
            found.replies[name] = [("accepted", reply)]
    await expire_due(executors["agreements"], PRISON)
    for record in store.log:
        found.events.setdefault(record.envelope["type"], record.envelope)
    for n, (name, body) in enumerate(found.requests.items()):
        nik = {**body, "command_id": _id(f"nik/{n}"), "data": {**body["data"], "nik": "..."}}
        found.replies[name].append(("invalid", await send(services[name], name, nik)))
        again = await send(services[name], name, {**body, "command_id": _id(f"again/{n}")})
        if not again["ok"]:
            found.replies[name].append((again["error"]["code"], again))
    return found


def _id(key: object) -> str:
    return str(uuid.uuid5(IDS, str(key)))


def attach(doc: dict[str, Any]) -> None:
    """Each documented message gets its examples (AsyncAPI 3 Message Example Objects)."""
    found = examples()
    messages = doc["components"]["messages"]
    for key, message in messages.items():
        name = key.split(":")[0]
        service_command = name.removesuffix(".reply").split(".")[-1]
        if name.startswith("events."):
            envelope = found.events[name.removeprefix("events.")]
            message["examples"] = [{
                "name": envelope["type"], "headers": {"Nats-Msg-Id": envelope["event_id"]},
                "payload": envelope,
                "summary": "From the demo scenario, as the command service wrote it."}]
        elif name.endswith(".reply"):
            message["examples"] = [
                {"name": label, "payload": reply, "summary": _SUMMARIES[label]}
                for label, reply in found.replies[service_command]]
        else:
            message["examples"] = [{
                "name": service_command, "payload": found.requests[service_command],
                "summary": f"The demo's first {service_command}, sent to "
                           f"{command_subject(PRISON, name.split('.')[0], service_command)}."}]


_SUMMARIES = {
    "accepted": "Accepted: the events written, with their stream sequence.",
    "invalid": "The same request with a key the command does not have (here `nik`): "
               "`invalid`, naming the field, never its value; nothing written.",
    "rule": "The same request again under a new command_id: a business rule refuses it.",
    "not_found": "The same request again under a new command_id: its aggregate is gone.",
    "conflict": "The same request again under a new command_id: a conflict.",
}
