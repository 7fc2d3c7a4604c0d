"""deploy/grafana/pulih.json: a dashboard Grafana can import, over series Pulih exports; and
reporting's `/metrics` route over a fake read model."""

import json
import re
from pathlib import Path

import pytest
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from services.agreements.handlers import TABLE
from services.reporting.http.metrics import HealthCollector
from shared.metrics import command_meters
from shared.store import StoreUnavailable
from tests.unit.test_reporting_app import FakeDeps, client

DASHBOARD = Path(__file__).resolve().parents[2] / "deploy" / "grafana" / "pulih.json"
HEALTH = {"projections": {"agreements": {"last_seq": 7, "lag": 2, "parked": 1}},
          "stream_last_seq": 9, "problem": None}


def exported() -> set[str]:
    """Every sample name a Pulih process exports: the command services' (created when one is
    installed) and reporting's per-scrape gauges."""
    command_meters("agreements", [name for name, row in TABLE.items() if row.public])
    scrape = CollectorRegistry(auto_describe=False)
    scrape.register(HealthCollector(HEALTH))
    text = (generate_latest(REGISTRY) + generate_latest(scrape)).decode()
    return {s.name for f in text_string_to_metric_families(text) for s in f.samples}


def panels() -> list[dict]:
    return json.loads(DASHBOARD.read_text())["panels"]


def test_every_query_reads_series_pulih_exports():
    names = exported()
    queried = set()
    for panel in panels():
        if panel["type"] == "row":
            continue
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            assert target["datasource"]["uid"] == "${datasource}"
            assert 'instance=~"$instance"' in target["expr"], panel["title"]
            queried |= set(re.findall(r"\bpulih_[a-z_]+", target["expr"]))
    assert queried <= names, queried - names
    for wanted in ("pulih_commands_total", "pulih_command_duration_seconds_bucket",
                   "pulih_events_appended_total", "pulih_projection_lag_events",
                   "pulih_projection_parked_events", "pulih_replay_applied_seq"):
        assert wanted in queried


def test_panels_have_unique_ids_and_do_not_overlap():
    laid = panels()
    assert len({p["id"] for p in laid}) == len(laid)
    cells = set()
    for panel in laid:
        box = panel["gridPos"]
        assert box["x"] + box["w"] <= 24
        mine = {(x, y) for x in range(box["x"], box["x"] + box["w"])
                for y in range(box["y"], box["y"] + box["h"])}
        assert not cells & mine, panel["title"]
        cells |= mine


def test_the_health_gauges_are_absent_when_health_cannot_be_read():
    scrape = CollectorRegistry(auto_describe=False)
    scrape.register(HealthCollector(None))
    text = generate_latest(scrape).decode()
    found = {s.name: s.value for f in text_string_to_metric_families(text) for s in f.samples}
    assert found == {"pulih_reporting_health_up": 0}


@pytest.mark.parametrize("error", [StoreUnavailable("nats down"), None])
async def test_the_reports_answer_metrics_beside_health(error):
    async with client(FakeDeps(fail=error)) as http:
        response = await http.get("/metrics")
        health = await http.get("/health")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    found = {(s.name, tuple(s.labels.values())): s.value
             for f in text_string_to_metric_families(response.text) for s in f.samples}
    assert found[("pulih_reporting_health_up", ())] == (0 if error else 1)
    if error is None:
        state = health.json()["projections"]["agreements"]
        assert found[("pulih_projection_lag_events", ("agreements",))] == state["lag"]
        assert found[("pulih_projection_parked_events", ("agreements",))] == state["parked"]
