"""A realistic synthetic log: prisons, agreements, programs, participants, weekly sessions, and
at the program's end a quarter of its participants assessed at intake and exit, completed and
released (one of them back within months).

Sessions and attendance dominate, as in a real log. Envelopes are sealed exactly like the
services seal them (hash chain per aggregate), and published pipelined, without the
per-aggregate sequence check (the writer is alone), to build a large log quickly.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import Iterator
from datetime import date, datetime, timedelta

import orjson
from nats.aio.client import Client

from shared import prisons
from shared.envelope import EVENTS_PREFIX, WIB, CommandMeta, NewEvent, StreamId, date_instant, seal

ACTIVITIES = ["counseling", "skills_training", "mental_guidance", "spiritual_guidance"]
RECORDED_AT = "2026-01-01T00:00:00.000000+00:00"


class Aggregate:
    def __init__(self, stream: StreamId):
        self.stream, self.version, self.hash = stream, 0, ""

    def event(self, kind: str, data: dict, occurred_at: str) -> tuple[str, bytes, str]:
        self.version += 1
        command = str(uuid.uuid4())
        envelope = seal(self.stream, NewEvent(kind, data, occurred_at),
                        CommandMeta(command, "bench:generator", command),
                        index=0, version=self.version, prev_hash=self.hash,
                        recorded_at=RECORDED_AT)
        self.hash = envelope["hash"]
        return self.stream.subject(kind), orjson.dumps(envelope), envelope["event_id"]


def program_events(prison: str, rng: random.Random, participants: int, weeks: int
                   ) -> Iterator[tuple[str, bytes, str]]:
    agreement = Aggregate(StreamId(prison, "agreement", str(uuid.uuid4())))
    start = date(2024, 1, 8)
    yield agreement.event("AgreementSigned", {
        "number": "PKS/BENCH", "title": "Bench", "partner": {
            "id": "yayasan-bench", "name": "Yayasan Bench", "kind": "foundation"},
        "services": ACTIVITIES, "signed_on": "2024-01-01", "effective_from": "2024-01-01",
        "effective_until": "2027-12-31", "signatories": [
            {"name": "A", "title": "Kalapas", "party": "prison"},
            {"name": "B", "title": "Ketua", "party": "partner"}],
        "renews": None, "committed_sessions_per_month": 4}, date_instant("2024-01-01"))
    program = Aggregate(StreamId(prison, "program", str(uuid.uuid4())))
    yield program.event("ProgramLaunched", {
        "agreement_id": agreement.stream.aggregate_id, "name": "Bench", "cohort": "B",
        "activities": ACTIVITIES, "starts_on": start.isoformat(),
        "ends_on": (start + timedelta(weeks=weeks)).isoformat(), "capacity": participants},
        date_instant(start))
    people, persons = [], []
    for _ in range(participants):
        person = Aggregate(StreamId(prison, "participant", str(uuid.uuid4())))
        people.append(person.stream.aggregate_id)
        persons.append(person)
        yield person.event("ParticipantRegistered", {"case_type": "narcotics_user",
                                                     "admitted_on": "2023-06-01"},
                           date_instant("2023-06-01"))
        yield program.event("ParticipantEnrolled", {
            "participant_id": person.stream.aggregate_id, "enrolled_on": start.isoformat()},
            date_instant(start))
    for week in range(weeks):
        session = Aggregate(StreamId(prison, "session", str(uuid.uuid4())))
        held = datetime.combine(start + timedelta(weeks=week), datetime.min.time(), WIB)
        held_at = (held + timedelta(hours=9)).isoformat()
        activity = ACTIVITIES[week % len(ACTIVITIES)]
        facilitators = [{"name": "Instruktur 1", "organization": "Yayasan Bench",
                         "role": "instructor"}]
        yield session.event("SessionScheduled", {
            "program_id": program.stream.aggregate_id, "scheduled_for": held_at,
            "activity": activity, "topic": "Sesi", "facilitators": facilitators}, held_at)
        marks = [{"participant_id": p, "status": rng.choice(
            ["present"] * 8 + ["late", "absent", "excused"])} for p in people]
        yield session.event("SessionHeld", {
            "program_id": program.stream.aggregate_id, "held_at": held_at,
            "duration_minutes": 90, "activity": activity, "topic": "Sesi",
            "facilitators": facilitators, "attendance": marks}, held_at)
        if rng.random() < 0.05:
            yield session.event("AttendanceCorrected", {
                "participant_id": people[0], "status": "present", "reason": "koreksi"}, held_at)
    yield from _outcomes(program, persons[:max(1, participants // 4)], rng, start,
                         start + timedelta(weeks=weeks))


def _outcomes(program: Aggregate, persons: list[Aggregate], rng: random.Random, start: date,
              end: date) -> Iterator[tuple[str, bytes, str]]:
    """Intake and exit ASSIST scores, completion and release a month after the program's end
    for `persons`; the first of them readmitted five months after release."""
    released = end + timedelta(days=30)
    for n, person in enumerate(persons):
        intake = rng.randint(12, 30)
        for phase, day, score in (("intake", start, intake),
                                  ("exit", end, max(0, intake - rng.randint(0, 12)))):
            yield person.event("AssessmentRecorded", {
                "instrument": "ASSIST", "phase": phase, "score": float(score),
                "assessed_on": day.isoformat(),
                "program_id": program.stream.aggregate_id}, date_instant(day))
        yield program.event("ParticipantCompleted", {
            "participant_id": person.stream.aggregate_id, "completed_on": end.isoformat()},
            date_instant(end))
        yield person.event("ParticipantReleased", {
            "released_on": released.isoformat(), "release_type": "parole"},
            date_instant(released))
        if n == 0:
            back = released + timedelta(days=150)
            yield person.event("ParticipantReadmitted", {"readmitted_on": back.isoformat()},
                               date_instant(back))


def log_of(size: int, seed: int = 7, participants: int = 20, weeks: int = 100
           ) -> Iterator[tuple[str, bytes, str]]:
    """About `size` events over as many prisons and programs as it takes."""
    rng = random.Random(seed)
    produced, prison = 0, 0
    while produced < size:
        prison += 1
        for item in program_events(f"lapas-bench-{prison:04d}", rng, participants, weeks):
            yield item
            produced += 1
            if produced >= size:
                return


KANWILS = 33  # Indonesia's regional offices of the ministry


def kanwil_of(prison: str) -> str:
    """The Kanwil a synthetic prison is assigned to: its number modulo KANWILS."""
    return f"kanwil-bench-{int(prison.rsplit('-', 1)[1]) % KANWILS + 1:02d}"


def with_kanwils(events: Iterator[tuple[str, bytes, str]], assigned: set[str]
                 ) -> Iterator[tuple[str, bytes, str]]:
    """`events`, each new prison's first one preceded by its KanwilAssigned (its `prison`
    aggregate's first event; `assigned` remembers the prisons across growths of the log)."""
    for item in events:
        prison = item[0].removeprefix(f"{EVENTS_PREFIX}.").split(".", 1)[0]
        if prison not in assigned:
            assigned.add(prison)
            kanwil = kanwil_of(prison)
            yield Aggregate(StreamId(prison, prisons.AGGREGATE, prisons.aggregate_id(prison))
                            ).event("KanwilAssigned", {
                                "kanwil_id": kanwil, "kanwil_name": kanwil.upper(),
                                "assigned_on": "2024-01-01"}, date_instant("2024-01-01"))
        yield item


# A slow acknowledgement is a timing, not a failure: the server syncs every write, and a sync
# waits for everything else on the disk (PostgreSQL, other tenants) at times, for seconds.
ACK_TIMEOUT = 60.0


async def publish(nc: Client, events: Iterator[tuple[str, bytes, str]], window: int = 2000
                  ) -> int:
    js, pending, count = nc.jetstream(timeout=ACK_TIMEOUT), [], 0
    for subject, body, event_id in events:
        pending.append(js.publish(subject, body, headers={"Nats-Msg-Id": event_id}))
        count += 1
        if len(pending) >= window:
            await asyncio.gather(*pending)
            pending = []
    await asyncio.gather(*pending)
    return count
