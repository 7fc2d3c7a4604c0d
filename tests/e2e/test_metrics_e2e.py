"""`GET /metrics` on the real stack: the Prometheus text parses, command counters move by exactly
the commands sent over NATS, the projection gauges equal `/health`, a replay reports its
progress, and with HTTP auth on it answers without a token, like `/health`."""

import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from deploy.embedded import free_port
from services.reporting.rebuild import replay
from tests.e2e.helpers import last_seq, ok, refused, signing, uid

ROOT = Path(__file__).resolve().parents[2]
OK_SIGN = (("command", "SignAgreement"), ("outcome", "ok"), ("service", "agreements"))


async def scrape(http) -> dict[tuple[str, tuple], float]:
    response = await http.get("/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(response.text)
            for s in family.samples}


def signed(found, outcome):
    return found[("pulih_commands_total", (("command", "SignAgreement"), ("outcome", outcome),
                                           ("service", "agreements")))]


async def test_command_counters_move_by_exactly_the_commands_sent(stack, prison_id):
    before = await scrape(stack.http)
    for _ in range(4):
        ok(await stack.command(prison_id, "agreements", "SignAgreement", signing(uid())), 1)
    taken = uid()
    ok(await stack.command(prison_id, "agreements", "SignAgreement", signing(taken)), 1)
    refused(await stack.command(prison_id, "agreements", "SignAgreement", signing(taken)),
            "rule")
    refused(await stack.command(prison_id, "agreements", "SignAgreement",
                                signing(uid(), title="")), "invalid")
    after = await scrape(stack.http)
    assert signed(after, "ok") - signed(before, "ok") == 5
    assert signed(after, "rule") - signed(before, "rule") == 1
    assert signed(after, "invalid") - signed(before, "invalid") == 1
    assert signed(after, "conflict") == signed(before, "conflict")
    count = ("pulih_command_duration_seconds_count",
             (("command", "SignAgreement"), ("service", "agreements")))
    assert after[count] - before[count] == 7
    events = ("pulih_events_appended_total", (("event_type", "AgreementSigned"),))
    assert after[events] - before[events] == 5
    assert not any(prison_id in value or taken in value
                   for _, labels in after for _, value in labels)
    assert set(after) == set(before)  # new aggregates, a new prison: no new series


async def test_projection_gauges_equal_health(stack, prison_id):
    js = stack.nc.jetstream()  # a poison event, so that a parked count is not just zero
    await js.publish(f"pulih.events.{prison_id}.program.{uuid.uuid4()}.ProgramLaunched",
                     b"{not json")
    await stack.caught_up(await last_seq(stack))
    health = (await stack.http.get("/health")).json()
    found = await scrape(stack.http)
    assert found[("pulih_reporting_health_up", ())] == 1
    assert found[("pulih_reporting_problem", ())] == 0
    assert found[("pulih_stream_last_seq", ())] == health["stream_last_seq"]
    assert health["projections"]["programs"]["parked"] >= 1
    for name, state in health["projections"].items():
        labels = (("projection", name),)
        assert found[("pulih_projection_last_seq", labels)] == state["last_seq"]
        assert found[("pulih_projection_lag_events", labels)] == state["lag"]
        assert found[("pulih_projection_parked_events", labels)] == state["parked"]
    gauges = {name for name, labels in found if name.startswith("pulih_projection_")}
    assert len([k for k in found if k[0] == "pulih_projection_lag_events"]) == len(
        health["projections"])
    assert gauges == {"pulih_projection_last_seq", "pulih_projection_lag_events",
                      "pulih_projection_parked_events"}


async def test_a_replay_reports_its_progress(stack, nats_url, database_url, prison_id):
    ok(await stack.command(prison_id, "agreements", "SignAgreement", signing(uid())), 1)
    until = await last_seq(stack)
    before = await scrape(stack.http)
    name = f"metrics_{uuid.uuid4().hex[:6]}"
    assert await replay(stack.rt.settings, nats_url, database_url, until=str(until),
                        into=name) == 0
    found = await scrape(stack.http)  # the replay ran in this process: the same registry
    assert found[("pulih_replay_target_seq", ())] == until
    assert found[("pulih_replay_applied_seq", ())] == until
    moved = found[("pulih_replay_events_total", ())] - before.get(
        ("pulih_replay_events_total", ()), 0)
    assert 0 < moved <= until


async def test_metrics_answer_without_a_token_when_auth_is_on(stack, secured_reports):
    base_url, _ = secured_reports
    async with httpx.AsyncClient(base_url=base_url) as http:
        assert (await http.get("/agreements")).status_code == 401
        found = await scrape(http)
    assert found[("pulih_reporting_health_up", ())] == 1
    assert any(name == "pulih_commands_total" for name, _ in found)


async def test_a_command_service_run_alone_serves_its_metrics_port(stack, nats_url, tmp_path):
    """`pulih run agreements` with PULIH_METRICS_PORT, a process of its own in the queue group
    beside the stack's: both registries together count exactly the commands sent."""
    port = free_port()
    env = {**os.environ, "PULIH_NATS_URL": nats_url, "PULIH_METRICS_PORT": str(port),
           "PULIH_DATA_DIR": str(tmp_path)}
    env.pop("PULIH_NATS_CREDENTIALS", None)
    alone = subprocess.Popen([sys.executable, "-m", "ops.cli", "run", "agreements"], env=env,
                             cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
            async def up():
                try:
                    found = await scrape(http)
                except httpx.TransportError:
                    return None
                return found if ("pulih_commands_total", OK_SIGN) in found else None

            first = await stack.until(up, timeout=30)
            mine = (await scrape(stack.http))[("pulih_commands_total", OK_SIGN)]
            prison_id = f"lapas-{uuid.uuid4().hex[:10]}"
            for _ in range(20):
                ok(await stack.command(prison_id, "agreements", "SignAgreement",
                                       signing(uid())), 1)
            theirs = (await scrape(http))[("pulih_commands_total", OK_SIGN)]
        ours = (await scrape(stack.http))[("pulih_commands_total", OK_SIGN)]
        assert (theirs - first[("pulih_commands_total", OK_SIGN)]) + (ours - mine) == 20
        assert ("pulih_projection_lag_events", (("projection", "agreements"),)) not in first
    finally:
        alone.send_signal(signal.SIGTERM)
        assert alone.wait(timeout=30) == 0
