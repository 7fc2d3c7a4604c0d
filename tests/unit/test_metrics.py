"""Prometheus metrics of the command services, on FastStream's TestNatsBroker over the
in-memory store: counters move by exactly the commands sent, the series stay bounded however
many aggregates are written, no label holds an id or a prison, and PULIH_METRICS_PORT's
server answers with the registry."""

import asyncio
import re

import httpx
import orjson
import pytest
from faststream.nats import TestNatsBroker
from prometheus_client import REGISTRY, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from deploy.embedded import free_port
from services.programs import main as programs
from shared.executor import Context
from shared.memory_store import InMemoryEventStore
from shared.metrics import OUTCOMES, serve_metrics
from shared.runtime import Runtime
from shared.settings import Settings
from tests.e2e.helpers import ok, refused, registering, uid

PRISON = "lapas-metrik"
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-")


@pytest.fixture
async def broker():
    rt = Runtime(Settings.from_env({}), "nats://127.0.0.1:1", None)
    rt.ctx = Context(InMemoryEventStore(), rt.clock)
    programs.install(rt)
    async with TestNatsBroker(rt.broker) as broker:
        yield broker


async def register(broker, data, *, prison=PRISON, raw=None):
    body = raw if raw is not None else orjson.dumps(
        {"command_id": uid(), "actor": f"officer:{prison}:rina", "expected_version": None,
         "data": data})
    reply = await broker.request(body, f"pulih.commands.{prison}.programs.RegisterParticipant")
    return orjson.loads(reply.body)


def samples(text: str | None = None) -> dict[tuple[str, tuple], float]:
    """Every sample of the exposition, keyed by name and sorted labels (`_created`: left out,
    a timestamp)."""
    text = text if text is not None else generate_latest(REGISTRY).decode()
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples
            if not s.name.endswith("_created")}


def commands(found, outcome, command="RegisterParticipant"):
    return found[("pulih_commands_total", (("command", command), ("outcome", outcome),
                                           ("service", "programs")))]


def latency_count(found, command="RegisterParticipant"):
    return found[("pulih_command_duration_seconds_count",
                  (("command", command), ("service", "programs")))]


def appended(found, event_type="ParticipantRegistered"):
    return found[("pulih_events_appended_total", (("event_type", event_type),))]


async def test_counters_move_by_exactly_the_commands_sent(broker):
    before = samples()
    ids = [uid() for _ in range(3)]
    for participant_id in ids:
        ok(await register(broker, registering(participant_id)), 1, "ParticipantRegistered")
    refused(await register(broker, registering(ids[0])), "rule")  # registered once
    refused(await register(broker, registering(uid(), case_type="nope")), "invalid")
    refused(await register(broker, None, raw=b"not json"), "invalid")
    after = samples()
    moved = {outcome: commands(after, outcome) - commands(before, outcome)
             for outcome in OUTCOMES}
    assert moved == {**dict.fromkeys(OUTCOMES, 0), "ok": 3, "rule": 1, "invalid": 2}
    assert latency_count(after) - latency_count(before) == 6
    assert appended(after) - appended(before) == 3


async def test_a_duplicate_command_counts_ok_and_appends_nothing(broker):
    body = orjson.dumps({"command_id": uid(), "actor": f"officer:{PRISON}:rina",
                         "expected_version": None, "data": registering(uid())})
    ok(await register(broker, None, raw=body), 1)
    before = samples()
    ok(await register(broker, None, raw=body), 1)
    after = samples()
    assert commands(after, "ok") - commands(before, "ok") == 1
    assert appended(after) == appended(before)


async def test_the_series_stay_bounded_over_thousands_of_aggregates_and_prisons(broker):
    async def send(n):
        for i in range(n):
            reply = await register(broker, registering(uid()), prison=f"lapas-{i % 97}")
            assert reply["ok"] is True

    await send(100)
    first = samples()
    await send(1900)
    second = samples()
    assert set(second) == set(first)  # the same series, however many aggregates and prisons
    assert commands(second, "ok") - commands(first, "ok") == 1900
    for name, labels in second:
        for _, value in labels:
            assert not UUID.search(value) and "lapas" not in value, (name, labels)
    # Every series exists from the start (at zero), bounded by the table, outcomes and types.
    assert commands(first, "forbidden", "RecordRelease") >= 0


async def test_the_metrics_port_serves_the_registry_until_stopped():
    port = free_port()
    task = asyncio.create_task(serve_metrics("127.0.0.1", port))
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
            deadline = asyncio.get_running_loop().time() + 10
            while True:
                try:
                    response = await http.get("/metrics")
                    break
                except httpx.TransportError:
                    assert asyncio.get_running_loop().time() < deadline, "never answered"
                    await asyncio.sleep(0.02)
        assert response.status_code == 200
        found = samples(response.text)
        assert any(name == "pulih_commands_total" for name, _ in found)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    with pytest.raises(httpx.TransportError):
        httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=2)
