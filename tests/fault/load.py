"""A closed loop of realistic commands whose every answer is recorded.

The commands are the benchmark's (`bench.scenario.Scenario`): agreements, programs,
registrations and enrolments first, then sessions scheduled and held with attendance,
corrections and assessments. Each client sends its next command when the previous one is
answered; a command left unanswered (timeout, no responder, lost connection) or answered
`unavailable` is sent again with the SAME `command_id` until it gets an answer, so what the log
holds can be compared with what was acknowledged. Each prison's commands go through the
connection and carry the actor that `route(prison)` gives (`Cluster.route`: one connection and
any actor on an open server, the prison's own officer with credentials).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import nats.errors
import orjson
from nats.aio.client import Client

from bench.scenario import Command, Scenario
from shared.bus import command_subject
from tests.fault.harness import until

CONFLICT_PRISON = "lapas-fault-conflict"  # tests/fault/test_conflicts.py's own prison
RETRIABLE = (nats.errors.Error, TimeoutError, OSError)


@dataclass
class Sent:
    command: Command
    command_id: str
    expected_version: int | None = None
    reply: dict | None = None  # the final answer; None: never answered
    attempts: int = 0

    @property
    def ok(self) -> bool:
        return bool(self.reply and self.reply.get("ok"))

    @property
    def code(self) -> str | None:
        if self.reply is None:
            return "unanswered"
        return None if self.ok else self.reply["error"]["code"]


def fault_scenario() -> Scenario:
    return Scenario(prisons=2, programs_per_prison=4, participants=10)


# Every prison a fault test sends commands to (the credentials mode has an officer for each).
PRISONS = (*sorted({program.prison_id for program in fault_scenario().programs}), CONFLICT_PRISON)


class Load:
    def __init__(self, route: Callable[[str], tuple[Client, str]],
                 scenario: Scenario | None = None, timeout: float = 3.0,
                 patience: float = 150.0):
        self.route = route
        self.scenario = scenario or fault_scenario()
        self.timeout, self.patience = timeout, patience
        self.sent: list[Sent] = []
        self.acked = 0
        self.acked_at: dict[str, float] = {}  # service → monotonic time of its latest ack
        self.aborted = False

    async def send(self, command: Command, command_id: str | None = None,
                   expected_version: int | None = None) -> Sent:
        """Send until answered (or out of patience); retries reuse the command_id."""
        prison, service, name, data = command
        item = Sent(command, command_id or str(uuid.uuid4()), expected_version)
        self.sent.append(item)
        nc, actor = self.route(prison)
        body = orjson.dumps({"command_id": item.command_id, "actor": actor,
                             "expected_version": expected_version, "data": data})
        subject = command_subject(prison, service, name)
        deadline, pause = time.monotonic() + self.patience, 0.02
        while time.monotonic() < deadline and not self.aborted:
            item.attempts += 1
            try:
                reply = orjson.loads((await nc.request(subject, body, self.timeout)).data)
            except RETRIABLE:
                reply = None
            if reply is not None and (reply.get("ok") or reply["error"]["code"] != "unavailable"):
                item.reply = reply
                break
            await asyncio.sleep(pause)  # pacing between attempts, not synchronisation
            pause = min(pause * 2, 0.5)
        if item.ok:
            self.acked += 1
            self.acked_at[service] = time.monotonic()
        return item

    async def setup(self, clients: int = 16) -> None:
        """The scenario's agreements, programs, participants and enrolments."""
        gate = asyncio.Semaphore(clients)

        async def chain(commands: list[Command]) -> None:
            async with gate:
                for command in commands:
                    await self.send(command)

        for stage in self.scenario.setup():
            await asyncio.gather(*(chain(c) for c in stage))

    async def run(self, done: Callable[[], bool], clients: int = 16, cap: int = 20_000) -> None:
        """`clients` closed-loop clients until `done()` (checked before each command), or
        until `cap` commands in all."""
        started = len(self.sent)

        async def client(index: int) -> None:
            for command in self.scenario.stream(index, clients):
                if done() or len(self.sent) - started >= cap:
                    return
                await self.send(command)

        await asyncio.gather(*(client(i) for i in range(clients)))

    async def during(self, faults: Callable[[int], Awaitable[None]], commands: int,
                     clients: int = 16) -> None:
        """Run the load around `faults(base)` (`base`: commands acknowledged before the load):
        until the faults are over and at least `commands` load commands are acknowledged."""
        base, over = self.acked, asyncio.Event()
        clients_task = asyncio.create_task(self.run(
            lambda: self.aborted or (over.is_set() and self.acked >= base + commands), clients))
        try:
            await faults(base)
        except BaseException:
            self.aborted = True  # the test failed: stop the clients now, not after patience
            raise
        finally:
            over.set()
            await clients_task

    async def wait_acked(self, count: int, timeout: float = 120) -> None:
        async def reached() -> bool:
            return self.acked >= count

        await until(reached, timeout, f"{count} commands acknowledged", every=0.02)

    async def first_ack_after(self, service: str, moment: float, timeout: float = 120) -> float:
        """Seconds from `moment` to the first command of `service` acknowledged after it."""
        async def acked() -> bool:
            return self.acked_at.get(service, 0.0) > moment

        await until(acked, timeout, f"a {service} command acknowledged", every=0.02)
        return self.acked_at[service] - moment
