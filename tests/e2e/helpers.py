"""Valid command data and small steps shared by the e2e tests of programs and attendance.

Dates are in 2025 (in the past, as signing, enrolling and holding require) and agreements run
until 2030, so the agreements service's expiry timer never writes behind a test's back.
"""

import contextlib
import uuid

from services.agreements import handlers as agreements
from services.attendance import handlers as attendance
from services.programs import handlers as programs
from shared.bus import command_router
from shared.envelope import STREAM
from shared.executor import Executor
from shared.runtime import Runtime
from shared.settings import Settings

SIGNATORIES = [{"name": "Mochamad Mukaffi", "title": "Kalapas", "party": "prison"},
               {"name": "Mohammad Hiksan", "title": "Ketua", "party": "partner"}]
SERVICES = ["counseling", "mental_guidance", "social_guidance", "skills_training"]
REPLY_KEYS = {"ok", "aggregate_id", "aggregate_version", "events"}


def uid() -> str:
    return str(uuid.uuid4())


def signing(agreement_id, **over):
    return {"agreement_id": agreement_id, "number": "PKS/LPB/2025/II/022",
            "title": "Rehabilitasi sosial warga binaan",
            "partner": {"id": "yayasan-gennesa", "name": "Yayasan Gennesa", "kind": "foundation"},
            "services": SERVICES, "signed_on": "2025-01-15", "effective_from": "2025-01-15",
            "effective_until": "2030-12-31", "signatories": SIGNATORIES, "renews": None,
            "committed_sessions_per_month": 4, **over}


def launching(program_id, agreement_id, **over):
    return {"program_id": program_id, "agreement_id": agreement_id, "name": "Rehabilitasi 2025",
            "cohort": "Angkatan I", "activities": ["counseling", "skills_training"],
            "starts_on": "2025-03-01", "ends_on": "2025-12-31", "capacity": 30, **over}


def registering(participant_id, **over):
    return {"participant_id": participant_id, "case_type": "narcotics_user",
            "admitted_on": "2025-01-10", **over}


def enrolling(program_id, participant_id, on="2025-03-03", **over):
    return {"program_id": program_id, "participant_id": participant_id, "enrolled_on": on,
            **over}


def withdrawing(program_id, participant_id, on="2025-04-01", **over):
    return {"program_id": program_id, "participant_id": participant_id, "withdrawn_on": on,
            "reason": "transferred", "note": "dipindah ke lapas lain", **over}


def holding(session_id, program_id, marks, held_at="2025-03-10T09:00:00+07:00", **over):
    """`marks`: participant ids (all present) or (participant_id, status) pairs."""
    attendance = [{"participant_id": m, "status": "present"} if isinstance(m, str)
                  else {"participant_id": m[0], "status": m[1]} for m in marks]
    return {"session_id": session_id, "program_id": program_id, "held_at": held_at,
            "duration_minutes": 90, "activity": "counseling", "topic": "Mengenali pemicu",
            "facilitators": [{"name": "Siti Aminah", "organization": "Yayasan Gennesa",
                              "role": "counselor"}],
            "attendance": attendance, **over}


def ok(reply, version=None, event_type=None):
    """Assert a success reply of the contract's exact shape, with one event; return it."""
    assert reply.get("ok") is True, reply
    assert set(reply) == REPLY_KEYS, reply
    (event,) = reply["events"]
    assert set(event) == {"event_id", "type", "seq"} and event["seq"] > 0, reply
    if version is not None:
        assert reply["aggregate_version"] == version, reply
    if event_type is not None:
        assert event["type"] == event_type, reply
    return reply


def refused(reply, code, field=None):
    """Assert a failure reply with `code` (and a detail naming `field`); return the error."""
    assert reply.get("ok") is False, reply
    error = reply["error"]
    assert error["code"] == code, reply
    assert isinstance(error["message"], str) and error["message"], reply
    if field is not None:
        assert field in {d["field"] for d in error["details"]}, reply
    return error


async def programs_ok(stack, prison_id, name, **data) -> dict:
    """Send one programs-service command and assert it succeeded; the reply."""
    return ok(await stack.command(prison_id, "programs", name, data))


async def last_seq(stack) -> int:
    return (await stack.nc.jetstream().stream_info(STREAM)).state.last_seq


async def agreement(stack, prison_id, **over) -> str:
    agreement_id = uid()
    ok(await stack.command(prison_id, "agreements", "SignAgreement",
                           signing(agreement_id, **over)), 1, "AgreementSigned")
    return agreement_id


async def program(stack, prison_id, **over) -> str:
    """A program launched under a fresh agreement; `over` changes the launch data."""
    program_id, agreement_id = uid(), await agreement(stack, prison_id)
    ok(await stack.command(prison_id, "programs", "LaunchProgram",
                           launching(program_id, agreement_id, **over)), 1, "ProgramLaunched")
    return program_id


async def participant(stack, prison_id, **over) -> str:
    participant_id = uid()
    ok(await stack.command(prison_id, "programs", "RegisterParticipant",
                           registering(participant_id, **over)), 1, "ParticipantRegistered")
    return participant_id


async def enrol(stack, prison_id, program_id, on="2025-03-03", **over) -> str:
    """Register a fresh participant and enrol them; return their id."""
    participant_id = await participant(stack, prison_id)
    ok(await stack.command(prison_id, "programs", "EnrollParticipant",
                           enrolling(program_id, participant_id, on, **over)),
       event_type="ParticipantEnrolled")
    return participant_id


@contextlib.asynccontextmanager
async def replica(nats_url):
    """A second process's worth of the command services (agreements, programs, attendance),
    each with its own event-store cache. Commands are shared between the two instances by
    their queue groups, so a reply often comes from the instance that did not write the fact
    the next command depends on: read-your-writes cannot lean on one shared in-memory cache.
    Command handlers only: no expiry timer, so the replica never writes on its own."""
    rt = Runtime(Settings.from_env({}), nats_url, None)
    await rt.open()
    for service, handlers in (("agreements", agreements), ("programs", programs),
                              ("attendance", attendance)):
        rt.broker.include_router(command_router(service, Executor(rt.ctx, handlers.TABLE)))
    await rt.start()
    try:
        yield rt
    finally:
        await rt.stop()
