"""The peer: the same append and projection workload through the Python `eventsourcing` library
(9.x), with its PostgreSQL persistence module, on the same PostgreSQL server.

Written the way its documentation shows: an aggregate per session (Scheduled, Held with its
attendance, Corrected) and one per participant (Registered, Assessed), an `Application` whose
`save` appends; a `Projection` run by its `ProjectionRunner` (a notification-log follower)
keeping a count table of held sessions per program in a `PostgresTrackingRecorder` subclass,
each event's row and tracking position in one transaction. The library is synchronous: its
concurrent writers are threads sharing one application and its connection pool. It does less
than Pulih per command (no validation, no roster read, no hash chain, no network hop to a
service), so the comparison is lenient to the peer."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from importlib.metadata import version
from typing import Any
from urllib.parse import urlparse
from uuid import UUID

import psycopg
from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.dispatch import singledispatchmethod
from eventsourcing.domain import Aggregate, event
from eventsourcing.persistence import Tracking
from eventsourcing.postgres import PostgresTrackingRecorder
from eventsourcing.projection import Projection, ProjectionRunner
from psycopg.sql import SQL, Identifier

from bench.commands import percentile
from bench.scenario import Command, Scenario

SCHEMA, ASYNC_ROLE = "es_bench", "es_bench_async"


class Session(Aggregate):
    @staticmethod
    def create_id(session_id: str) -> UUID:
        return UUID(session_id)

    @event("Scheduled")
    def __init__(self, session_id: str, plan: dict[str, Any]) -> None:
        self.plan, self.marks = plan, {}

    @event("Held")
    def hold(self, held: dict[str, Any]) -> None:
        self.marks = {m["participant_id"]: m["status"] for m in held["attendance"]}

    @event("Corrected")
    def correct(self, participant_id: str, status: str, reason: str) -> None:
        self.marks[participant_id] = status


class Participant(Aggregate):
    @staticmethod
    def create_id(participant_id: str) -> UUID:
        return UUID(participant_id)

    @event("Registered")
    def __init__(self, participant_id: str) -> None:
        self.scores: list[float] = []

    @event("Assessed")
    def assess(self, assessment: dict[str, Any]) -> None:
        self.scores.append(assessment["score"])


class Attendance(Application[UUID]):
    def handle(self, command: Command) -> None:
        _, _, name, data = command
        if name == "RecordAssessment":
            try:
                person = self.repository.get(UUID(data["participant_id"]))
            except AggregateNotFoundError:
                person = Participant(data["participant_id"])
            person.assess(data)
            self.save(person)
            return
        sid = data["session_id"]
        if name == "ScheduleSession":
            self.save(Session(sid, data))
            return
        try:
            session = self.repository.get(UUID(sid))
        except AggregateNotFoundError:
            session = Session(sid, data)  # held without being scheduled first
        if name == "HoldSession":
            session.hold(data)
        else:
            session.correct(data["participant_id"], data["status"], data["reason"])
        self.save(session)


class HeldCountsView(PostgresTrackingRecorder):
    def __init__(self, datastore: Any, **kwargs: Any):
        super().__init__(datastore, **kwargs)
        table = (Identifier(self.datastore.schema), Identifier("held_counts"))
        self.sql_create_statements.append(SQL(
            "CREATE TABLE IF NOT EXISTS {0}.{1} (program_id text PRIMARY KEY, "
            "sessions_held int NOT NULL, marks int NOT NULL)").format(*table))
        self.upsert = SQL(
            "INSERT INTO {0}.{1} VALUES (%s, 1, %s) ON CONFLICT (program_id) DO UPDATE SET "
            "sessions_held = {1}.sessions_held + 1, marks = {1}.marks + EXCLUDED.marks"
        ).format(*table)

    def count_held(self, program_id: str, marks: int, tracking: Tracking) -> None:
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(self.upsert, (program_id, marks), prepare=True)
            self._insert_tracking(curs, tracking)


class HeldCounts(Projection[HeldCountsView]):
    name = "heldcounts"

    @singledispatchmethod
    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        self.view.insert_tracking(tracking)

    @process_event.register
    def _held(self, domain_event: Session.Held, tracking: Tracking) -> None:
        held = domain_event.held
        self.view.count_held(held["program_id"], len(held["attendance"]), tracking)


def environment(database_url: str, user: str, pool: int) -> dict[str, str]:
    url = urlparse(database_url)
    return {"PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": url.path.lstrip("/"), "POSTGRES_HOST": url.hostname or "",
            "POSTGRES_PORT": str(url.port or 5432), "POSTGRES_USER": user,
            "POSTGRES_PASSWORD": url.password or "", "POSTGRES_SCHEMA": SCHEMA,
            "POSTGRES_POOL_SIZE": str(pool), "POSTGRES_MAX_OVERFLOW": "8"}


def _writers(app: Attendance, scenario: Scenario, clients: int, seconds: float) -> dict:
    latencies: list[float] = []
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds

    def writer(index: int) -> None:
        mine = []
        for command in scenario.stream(index, clients):
            if time.perf_counter() >= stop_at:
                break
            started = time.perf_counter()
            app.handle(command)
            mine.append((time.perf_counter() - started) * 1000)
        with lock:
            latencies.extend(mine)

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(writer, range(clients)))
    elapsed = time.perf_counter() - started
    return {"writers": clients, "commands": len(latencies),
            "commands_per_s": round(len(latencies) / elapsed, 1),
            "p50_ms": round(percentile(latencies, 0.5), 2),
            "p99_ms": round(percentile(latencies, 0.99), 2)}


def _project(env: dict[str, str], until: int, timeout: float) -> dict:
    started = time.perf_counter()
    with ProjectionRunner(application_class=Attendance, projection_class=HeldCounts,
                          view_class=HeldCountsView, env=env) as runner:
        done = 0
        while time.perf_counter() - started < timeout:
            runner.run_forever(timeout=0.05)  # re-raises the projection's error, if any
            done = runner.view.max_tracking_id(runner.app_name) or 0
            if done >= until:
                break
        elapsed = time.perf_counter() - started
    return {"events": done, "of": until, "elapsed_s": round(elapsed, 2),
            "events_per_s": round(done / elapsed, 1)}


def _variant(database_url: str, user: str, seconds_1: float, seconds_32: float,
             timeout: float) -> dict:
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE')
        conn.execute(f'CREATE SCHEMA "{SCHEMA}" AUTHORIZATION "{user}"')
    env = environment(database_url, user, pool=40)
    scenario = Scenario(prisons=3, programs_per_prison=8, participants=20, seed=23)
    app = Attendance(env=env)
    try:
        one = _writers(app, scenario, 1, seconds_1)
        many = _writers(app, scenario, 32, seconds_32)
        last = app.recorder.max_notification_id() or 0
    finally:
        app.close()
    projected = _project(env, last, timeout)
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA "{SCHEMA}" CASCADE')
    return {"append_1": one, "append_32": many, "projection": projected}


def run(database_url: str, seconds_1: float, seconds_32: float, timeout: float) -> dict:
    """Twice: with `synchronous_commit = off` for its role (no fsync per commit: what Pulih's
    projections use, and the durability of nats-server's default file store), and with
    PostgreSQL's defaults (an fsync per commit: as durable as Pulih's log, which syncs every
    write)."""
    owner = urlparse(database_url).username or "postgres"
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(f'DROP ROLE IF EXISTS "{ASYNC_ROLE}"')
        conn.execute(f'CREATE ROLE "{ASYNC_ROLE}" LOGIN SUPERUSER')
        conn.execute(f'ALTER ROLE "{ASYNC_ROLE}" SET synchronous_commit = off')
    try:
        return {"library": f"eventsourcing {version('eventsourcing')} (postgres, "
                           f"psycopg {version('psycopg')})",
                "sync_commit_off": _variant(database_url, ASYNC_ROLE, seconds_1, seconds_32,
                                            timeout),
                "defaults": _variant(database_url, owner, seconds_1, seconds_32, timeout)}
    finally:
        with psycopg.connect(database_url, autocommit=True) as conn:
            conn.execute(f'DROP ROLE IF EXISTS "{ASYNC_ROLE}"')
