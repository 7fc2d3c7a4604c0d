"""The floor: a minimal nats-py service doing exactly Pulih's round trips for a command, and
nothing else — the request; a direct get of the aggregate's last event; an append with
`Nats-Expected-Last-Subject-Sequence` (on the aggregate's subjects) awaiting its ack; the
reply. No validation, no domain, no hashing; each request handled in its own task.

A second variant, the floor with the command-id claim, does the same plus the one write
Pulih's design adds for idempotency beyond the server's duplicate window: before the append,
a publish of the command id to a scratch claims stream (`BENCH_FLOOR_CLAIMS`, the claims
stream's configuration) that succeeds only on an unused id, its ack awaited. On a server that
syncs every write that is two syncs per command instead of one: the floor of Pulih's design.

It runs as a process of its own (`python -m bench.floor NATS_URL`, as Pulih's services do) on
the bench's durable nats-server, appending to a scratch stream (`BENCH_FLOOR`, the log's
configuration, deleted afterwards) so the log holds only Pulih's events, and is driven by the
bench's own closed-loop clients with the same command mix (`commands.drive`)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from dataclasses import replace

import nats
import orjson
from nats.aio.client import Client
from nats.aio.msg import Msg

from bench.commands import Bus, Failures, MachineryError, drive
from bench.scenario import Scenario
from shared.jetstream import CLAIMS_CONFIG, STREAM_CONFIG

FLOOR_STREAM, EVENTS = "BENCH_FLOOR", "bench.floor.events"
CLAIMS_STREAM, CLAIMS = "BENCH_FLOOR_CLAIMS", "bench.floor.claims"
# The two variants' command subjects: the floor, and the floor with the command-id claim.
COMMANDS, CLAIMED = "bench.floor.commands", "bench.floor.claimed"
CONFIG = replace(STREAM_CONFIG, name=FLOOR_STREAM, subjects=[f"{EVENTS}.>"],
                 deny_delete=False, deny_purge=False)
CLAIMS_SCRATCH = replace(CLAIMS_CONFIG, name=CLAIMS_STREAM, subjects=[f"{CLAIMS}.*"],
                         deny_delete=False, deny_purge=False)
READY = b"floor ready\n"
VARIANTS = {"floor": COMMANDS, "floor_claim": CLAIMED}  # results key -> command subjects


class FloorBus(Bus):
    """The bench's client, sending the same commands to one variant's subjects."""

    def __init__(self, nc: Client, failures: Failures, prefix: str = COMMANDS):
        super().__init__(nc, failures)
        self.prefix = prefix

    def subject(self, prison: str, service: str, name: str) -> str:
        return f"{self.prefix}.{prison}.{service}.{name}"


async def claim(nc: Client, command_id: str, aggregate: str, name: str) -> None:
    """Pulih's claim (shared/jetstream.py `_claim`): one publish that succeeds only if the
    command id's subject is empty, its ack awaited."""
    await nc.jetstream(timeout=60).publish(
        f"{CLAIMS}.{command_id}", orjson.dumps({"aggregate": aggregate, "command": name}),
        headers={"Nats-Expected-Last-Subject-Sequence": "0"})


async def handle(nc: Client, msg: Msg) -> None:
    """One command: its aggregate's last event, (in the second variant, the command id's
    claim,) the append after it, the reply."""
    prison, name = msg.subject.split(".")[3], msg.subject.split(".")[5]
    body = orjson.loads(msg.data)
    data = body["data"]
    kind, aggregate = (("session", data["session_id"]) if "session_id" in data
                       else ("participant", data["participant_id"]))
    stream = f"{EVENTS}.{prison}.{kind}.{aggregate}"
    last = await nc.request(f"$JS.API.DIRECT.GET.{FLOOR_STREAM}",
                            orjson.dumps({"last_by_subj": f"{stream}.*"}), timeout=10)
    status = (last.headers or {}).get("Status")
    expected = "0" if status == "404" else last.headers["Nats-Sequence"]
    headers = {"Nats-Msg-Id": body["command_id"],
               "Nats-Expected-Last-Subject-Sequence": expected,
               "Nats-Expected-Last-Subject-Sequence-Subject": f"{stream}.*"}
    event = orjson.dumps({"type": name, "actor": body["actor"], "data": data})
    try:
        if msg.subject.startswith(CLAIMED):
            await claim(nc, body["command_id"], stream, name)
        ack = await nc.jetstream(timeout=60).publish(f"{stream}.{name}", event,
                                                     headers=headers)
        reply = {"ok": True, "seq": ack.seq}
    except nats.errors.Error as exc:
        reply = {"ok": False, "error": repr(exc)}
    await msg.respond(orjson.dumps(reply))


async def serve(url: str) -> None:
    nc = await nats.connect(url, name="pulih-bench-floor")
    await nc.jetstream().add_stream(CONFIG)
    await nc.jetstream().add_stream(CLAIMS_SCRATCH)
    running: set[asyncio.Task] = set()

    async def on_request(msg: Msg) -> None:
        task = asyncio.create_task(handle(nc, msg))
        running.add(task)
        task.add_done_callback(running.discard)

    for prefix in VARIANTS.values():
        await nc.subscribe(f"{prefix}.>", cb=on_request, pending_msgs_limit=100_000)
    await nc.flush()
    sys.stdout.buffer.write(READY)
    sys.stdout.flush()
    await asyncio.Event().wait()  # until terminated


async def measure(nc: Client, failures: Failures, seconds: tuple[float, float]) -> dict:
    """Commands/s and latency of each variant with 1 and 32 closed-loop clients:
    {"floor": {"1": …, "32": …}, "floor_claim": {…}}."""
    proc = subprocess.Popen([sys.executable, "-m", "bench.floor", _url(nc)],
                            stdout=subprocess.PIPE)
    try:
        line = await asyncio.wait_for(asyncio.to_thread(proc.stdout.readline), 30)
        if line != READY:
            raise MachineryError(f"the floor service did not start (exit {proc.poll()})")
        out: dict = {}
        for key, prefix in VARIANTS.items():
            bus, out[key] = FloorBus(nc, failures, prefix), {}
            await drive(bus, Scenario(seed=5), 8, 1.0)  # warm-up, not measured
            for clients, duration in zip((1, 32), seconds, strict=True):
                load = await drive(bus, Scenario(seed=clients), clients, duration)
                out[key][str(clients)] = load.summary()
        return out
    finally:
        proc.terminate()
        proc.wait(10)
        for stream in (FLOOR_STREAM, CLAIMS_STREAM):
            await nc.jetstream().delete_stream(stream)


def _url(nc: Client) -> str:
    server = nc.connected_url
    return f"nats://{server.hostname}:{server.port}"


WHAT = {"floor": "floor (nats-py: direct get → append with expected last subject sequence → "
                 "reply)",
        "floor_claim": "floor with command-id claim (the same, plus Pulih's claim of the "
                       "command id awaited before the append: two synced writes per command)"}


def rows(r: dict, row) -> None:
    """The floors' rows (their figures in the ceiling column: references, not Pulih)."""
    for key, what in WHAT.items():
        for n, f in (r.get(key) or {}).items():
            row("floor", f"{what}: commands/s and p50 / p99 (ms), {n} "
                f"client{'s' if n != '1' else ''} ({f['commands']:,} sent, {f['failed']} "
                f"failed)", None, f"{f['commands_per_s']:,.0f}/s, {f['p50_ms']} / {f['p99_ms']}")


if __name__ == "__main__":
    asyncio.run(serve(sys.argv[1]))
