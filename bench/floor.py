"""The floor: a minimal nats-py service doing exactly Pulih's round trips for a command, and
nothing else — the request; a direct get of the aggregate's last event; an append with
`Nats-Expected-Last-Subject-Sequence` (on the aggregate's subjects) awaiting its ack; the
reply. No validation, no domain, no hashing; each request handled in its own task.

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
from shared.jetstream import STREAM_CONFIG

FLOOR_STREAM, EVENTS, COMMANDS = "BENCH_FLOOR", "bench.floor.events", "bench.floor.commands"
CONFIG = replace(STREAM_CONFIG, name=FLOOR_STREAM, subjects=[f"{EVENTS}.>"],
                 deny_delete=False, deny_purge=False)
READY = b"floor ready\n"


class FloorBus(Bus):
    """The bench's client, sending the same commands to the floor's subjects."""

    def subject(self, prison: str, service: str, name: str) -> str:
        return f"{COMMANDS}.{prison}.{service}.{name}"


async def handle(nc: Client, msg: Msg) -> None:
    """One command: its aggregate's last event, the append after it, the reply."""
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
        ack = await nc.jetstream(timeout=60).publish(f"{stream}.{name}", event,
                                                     headers=headers)
        reply = {"ok": True, "seq": ack.seq}
    except nats.errors.Error as exc:
        reply = {"ok": False, "error": repr(exc)}
    await msg.respond(orjson.dumps(reply))


async def serve(url: str) -> None:
    nc = await nats.connect(url, name="pulih-bench-floor")
    await nc.jetstream().add_stream(CONFIG)
    running: set[asyncio.Task] = set()

    async def on_request(msg: Msg) -> None:
        task = asyncio.create_task(handle(nc, msg))
        running.add(task)
        task.add_done_callback(running.discard)

    await nc.subscribe(f"{COMMANDS}.>", cb=on_request, pending_msgs_limit=100_000)
    await nc.flush()
    sys.stdout.buffer.write(READY)
    sys.stdout.flush()
    await asyncio.Event().wait()  # until terminated


async def measure(nc: Client, failures: Failures, seconds: tuple[float, float]) -> dict:
    """Commands/s and latency of the floor with 1 and 32 closed-loop clients."""
    proc = subprocess.Popen([sys.executable, "-m", "bench.floor", _url(nc)],
                            stdout=subprocess.PIPE)
    try:
        line = await asyncio.wait_for(asyncio.to_thread(proc.stdout.readline), 30)
        if line != READY:
            raise MachineryError(f"the floor service did not start (exit {proc.poll()})")
        bus, out = FloorBus(nc, failures), {}
        await drive(bus, Scenario(seed=5), 8, 1.0)  # warm-up, not measured
        for clients, duration in zip((1, 32), seconds, strict=True):
            load = await drive(bus, Scenario(seed=clients), clients, duration)
            out[str(clients)] = load.summary()
        return out
    finally:
        proc.terminate()
        proc.wait(10)
        await nc.jetstream().delete_stream(FLOOR_STREAM)


def _url(nc: Client) -> str:
    server = nc.connected_url
    return f"nats://{server.hostname}:{server.port}"


def rows(r: dict, row) -> None:
    """The floor's rows (its figures in the ceiling column: a reference, not Pulih)."""
    for n, f in (r.get("floor") or {}).items():
        row("floor", f"floor (nats-py: direct get → append with expected last subject sequence "
            f"→ reply): commands/s and p50 / p99 (ms), {n} client{'s' if n != '1' else ''} "
            f"({f['commands']:,} sent, {f['failed']} failed)", None,
            f"{f['commands_per_s']:,.0f}/s, {f['p50_ms']} / {f['p99_ms']}")


if __name__ == "__main__":
    asyncio.run(serve(sys.argv[1]))
