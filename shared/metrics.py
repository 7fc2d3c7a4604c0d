"""Prometheus metrics of one process (prometheus-client's default registry).

Every label comes from a bounded set: a service name, a command name of its table, a reply's
outcome code, an event type of the contract's registry, a projection name. Never a subject,
an id, a prison or an actor: a command's subject is known here only by the name of the
subscription it arrived on (its pattern `pulih.commands.*.{service}.{Name}`). The series a
command service exports are created when it is installed, so their number does not grow with
the traffic. On the command path: one counter increment and one histogram observation per
command (children resolved beforehand), one increment per appended event.

Served at `GET /metrics` by reporting's HTTP app, and, when PULIH_METRICS_PORT is set, on that
port by any `pulih` process (a command service run alone, `pulih replay`): the whole
registry of the process, so `pulih up` exports every service's series in one place.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable
from typing import Any, get_args

from prometheus_client import Counter, Gauge, Histogram, start_http_server

from shared.contract.registry import EVENT_AGGREGATES
from shared.replies import Code

OK = "ok"
OUTCOMES = (OK, *get_args(Code))
# Commands take milliseconds; one past 10 s is an outage, not a bucket.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

COMMANDS = Counter("pulih_commands", "Commands answered, by service, command name and outcome "
                   "(ok, or the error code of the reply).", ["service", "command", "outcome"])
LATENCY = Histogram("pulih_command_duration_seconds", "Time from a command's arrival to its "
                    "reply, every outcome.", ["service", "command"], buckets=LATENCY_BUCKETS)
EVENTS = Counter("pulih_events_appended", "Events appended to the log by this process's "
                 "commands and timers (a duplicate command appends none).", ["event_type"])
REPLAY_TARGET = Gauge("pulih_replay_target_seq", "The stream sequence `pulih replay` builds "
                      "up to (0: no build in this process).")
REPLAY_APPLIED = Gauge("pulih_replay_applied_seq", "The stream sequence `pulih replay` has "
                       "applied in its build so far.")
REPLAY_EVENTS = Counter("pulih_replay_events", "Events applied by `pulih replay` builds.")


class CommandMeter:
    """The series of one command, resolved once: `done` is a dict lookup, an increment and an
    observation."""

    __slots__ = ("_counts", "_latency", "_service", "_command")

    def __init__(self, service: str, command: str):
        self._service, self._command = service, command
        self._counts = {outcome: COMMANDS.labels(service, command, outcome)
                        for outcome in OUTCOMES}
        self._latency = LATENCY.labels(service, command)

    def done(self, reply: dict[str, Any], started: float) -> None:
        self._latency.observe(time.perf_counter() - started)
        outcome = OK if reply.get("ok") else reply.get("error", {}).get("code")
        counter = self._counts.get(outcome)
        if counter is None:  # not a contract code: counted, under a bounded label
            counter = self._counts["unavailable"]
        counter.inc()


_EVENT_COUNTERS: dict[str, Any] = {}  # event type -> its child: no label lookup per event


def command_meters(service: str, names: Iterable[str]) -> dict[str, CommandMeter]:
    """The meters of a service's commands, their series (and those of every registered event
    type) created at zero now."""
    for event_type in EVENT_AGGREGATES:
        _EVENT_COUNTERS.setdefault(event_type, EVENTS.labels(event_type))
    return {name: CommandMeter(service, name) for name in names}


def appended(event_types: Iterable[str]) -> None:
    for event_type in event_types:
        counter = _EVENT_COUNTERS.get(event_type)
        if counter is None:  # a type of the registry, registered after the services' install
            counter = _EVENT_COUNTERS[event_type] = EVENTS.labels(event_type)
        counter.inc()


def replay_progress(target: int) -> Any:
    """A runner's `on_batch` hook that reports a build's progress towards `target`."""
    REPLAY_TARGET.set(target)

    def on_batch(seq: int, size: int) -> None:
        REPLAY_APPLIED.set(seq)
        REPLAY_EVENTS.inc(size)

    return on_batch


def start_metrics(host: str, port: int) -> tuple[Any, Any]:
    """Serve the registry at http://host:port/metrics (prometheus-client's own server, in a
    daemon thread: a scrape never waits on the event loop, nor the loop on a scrape)."""
    return start_http_server(port, addr=host)


async def serve_metrics(host: str, port: int) -> None:
    """`start_metrics` for the life of a Runtime job: stopped when the job is cancelled."""
    server, thread = start_metrics(host, port)
    try:
        await asyncio.Event().wait()
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
