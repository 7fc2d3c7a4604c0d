"""End-to-end commands through the real services: request → appended → reply, timed.

Every reply must be `ok`; a refusal or a timeout is a failure of the machinery (the scenario only
sends valid commands), counted, reported, and turned into a non-zero exit at the end."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

import nats.errors
import orjson
from nats.aio.client import Client

from bench.scenario import Command, Scenario
from shared.bus import command_subject

ACTOR = "officer:bench:load"


class MachineryError(RuntimeError):
    """The bench could not measure: a server or service down, an invalid reply."""


@dataclass
class Failures:
    count: int = 0
    examples: list[str] = field(default_factory=list)

    def add(self, what: str) -> None:
        self.count += 1
        if len(self.examples) < 10:
            self.examples.append(what)


class Bus:
    def __init__(self, nc: Client, failures: Failures, timeout: float = 10.0):
        self.nc, self.failures, self.timeout = nc, failures, timeout

    def route(self, prison: str) -> tuple[Client, str]:
        """The connection a command for `prison` goes through, and the actor it carries."""
        return self.nc, ACTOR

    def subject(self, prison: str, service: str, name: str) -> str:
        """Where a command is sent: Pulih's command subject (the floor has its own)."""
        return command_subject(prison, service, name)

    async def send(self, command: Command) -> dict | None:
        """The reply when it is ok; None (and a counted failure) otherwise."""
        prison, service, name, data = command
        nc, actor = self.route(prison)
        body = {"command_id": str(uuid.uuid4()), "actor": actor, "expected_version": None,
                "data": data}
        try:
            raw = await nc.request(self.subject(prison, service, name), orjson.dumps(body),
                                   timeout=self.timeout)
        except (nats.errors.TimeoutError, nats.errors.NoRespondersError) as exc:
            self.failures.add(f"{service}.{name}: {type(exc).__name__}")
            return None
        reply = orjson.loads(raw.data)
        if not reply.get("ok"):
            self.failures.add(f"{service}.{name}: {reply.get('error')}")
            return None
        return reply

    async def send_chains(self, chains: Iterable[list[Command]], concurrency: int = 32) -> None:
        """Chains concurrently (bounded), the commands of each chain one after the other."""
        gate = asyncio.Semaphore(concurrency)

        async def chain(commands: list[Command]) -> None:
            async with gate:
                for command in commands:
                    await self.send(command)

        await asyncio.gather(*(chain(c) for c in chains))


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


@dataclass
class Load:
    clients: int
    ok: int
    failed: int
    elapsed_s: float
    latencies_ms: list[float]
    by_name: dict[str, int]

    @property
    def rate(self) -> float:
        return self.ok / self.elapsed_s if self.elapsed_s else 0.0

    def summary(self) -> dict:
        return {"clients": self.clients, "commands": self.ok, "failed": self.failed,
                "elapsed_s": round(self.elapsed_s, 2), "commands_per_s": round(self.rate, 1),
                "p50_ms": _ms(percentile(self.latencies_ms, 0.50)),
                "p99_ms": _ms(percentile(self.latencies_ms, 0.99)), "mix": self.by_name}


def _ms(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


async def drive(bus: Bus, scenario: Scenario, clients: int, seconds: float,
                max_commands: int | None = None) -> Load:
    """`clients` closed-loop clients, each sending its next command on the previous reply,
    for `seconds` (or until `max_commands` in all)."""
    latencies: list[float] = []
    by_name: dict[str, int] = {}
    failed_before = bus.failures.count
    sent = 0
    stop_at = time.perf_counter() + seconds

    async def client(index: int) -> None:
        nonlocal sent
        for command in scenario.stream(index, clients):
            if time.perf_counter() >= stop_at or (max_commands and sent >= max_commands):
                return
            sent += 1
            started = time.perf_counter()
            reply = await bus.send(command)
            if reply is not None:
                latencies.append((time.perf_counter() - started) * 1000)
                by_name[command[2]] = by_name.get(command[2], 0) + 1

    started = time.perf_counter()
    await asyncio.gather(*(client(i) for i in range(clients)))
    elapsed = time.perf_counter() - started
    return Load(clients, len(latencies), bus.failures.count - failed_before, elapsed,
                latencies, by_name)
