"""The bench's references (issue 15): the workload's Kanwil assignments, which report filters
are timed, and the table's floor, report, × floor and × floor with claim cells. No timing is
asserted."""

from __future__ import annotations

import orjson

from bench import report, reports
from bench.profile import Spy
from bench.workload import kanwil_of, log_of, with_kanwils
from shared import prisons
from shared.contract.events import EVENT_SCHEMAS


def test_each_new_prison_is_assigned_a_kanwil_once_before_its_first_event():
    assigned: set[str] = set()
    first = list(with_kanwils(log_of(600, seed=3), assigned))
    again = list(with_kanwils(log_of(300, seed=4), assigned))  # the log grown again
    kinds = [orjson.loads(body) for _, body, _ in first + again]
    kanwil = [e for e in kinds if e["type"] == "KanwilAssigned"]
    assert len(first) + len(again) == 900 + len(kanwil)
    assert sorted(e["prison_id"] for e in kanwil) == sorted(assigned)
    assert kinds[0]["type"] == "KanwilAssigned"
    for event in kanwil:
        assert event["aggregate_type"] == prisons.AGGREGATE
        assert event["aggregate_id"] == prisons.aggregate_id(event["prison_id"])
        model = EVENT_SCHEMAS[("KanwilAssigned", event["schema_version"])]
        assert model.model_validate(event["data"]).kanwil_id == kanwil_of(event["prison_id"])
    assert kanwil_of("lapas-bench-0001") != kanwil_of("lapas-bench-0002")
    assert kanwil_of("lapas-bench-0001") == kanwil_of("lapas-bench-0034")


def _spec(**params: list[str]) -> dict:
    return {"paths": {path: {"get": {"parameters": [{"name": n} for n in names]}}
                      for path, names in params.items()}}


def test_filters_are_timed_only_where_the_reports_take_them():
    without = reports.targets(_spec(**{"/evaluation": ["prison_id"], "/regional": []}))
    assert [(p, q) for p, q, narrowed in without if narrowed] == [
        ("/evaluation", {"prison_id": reports.PRISON})]
    both = ["prison_id", "kanwil_id"]
    narrowed = [(p, q) for p, q, n in reports.targets(
        _spec(**{"/evaluation": both, "/regional": both})) if n]
    assert ("/regional", {"kanwil_id": kanwil_of(reports.PRISON)}) in narrowed
    assert len(narrowed) == 4


def _run(floor_rate: float, p50_ms: float, claim_rate: float = 200.0) -> dict:
    command = {"commands": 10, "failed": 0, "commands_per_s": 100.0, "p50_ms": 2.0,
               "p99_ms": 5.0}
    floor = {**command, "commands_per_s": floor_rate}
    claimed = {**command, "commands_per_s": claim_rate}
    target = {"target": "/regional", "narrowed": False, "calls": 20, "bytes": 2048,
              "p50_ms": p50_ms, "p99_ms": p50_ms * 2}
    return {"ceilings": {"publish_each": 1000.0, "publish_pipelined": {"256": 2000.0},
                         "copy_rows": 1.0},
            "commands": {"1": command, "32": command}, "floor": {"1": floor, "32": floor},
            "floor_claim": {"1": claimed, "32": claimed},
            "rebuild": [], "lag": {"probes": 1, "background_ev_s": 1, "p50_ms": 1,
                                   "p99_ms": 1},
            "scale": {"flatness": {"p50_ratio": 1.0, "p99_ratio": 1.0}, "memory": {},
                      "small": {"events": 1, "p50_ms": 1, "p99_ms": 1},
                      "large": {"events": 1, "p50_ms": 1, "p99_ms": 1}},
            "reports": {"events": 1_000_000, "targets": [target], "not_measured": []}}


def test_the_table_shows_the_floor_and_reports_with_their_goals():
    near = report.rows(_run(floor_rate=110.0, p50_ms=250.0))
    commands = [r for r in near if r["area"] == "commands" and "commands/s" in r["measure"]]
    assert [r["× floor"] for r in commands] == [0.909, 0.909]
    assert [r["met"] for r in commands] == [True, False]  # 32 clients: under 3,000/s
    assert [r["× floor with claim"] for r in commands] == [0.5, 0.5]
    floors = [r["measure"] for r in near if r["area"] == "floor"]
    assert len(floors) == 4 and sum("with command-id claim" in m for m in floors) == 2
    (lat,) = [r for r in near if r["area"] == "reports"]
    assert "@ 1M" in lat["measure"] and lat["met"] is True
    far = report.rows(_run(floor_rate=1000.0, p50_ms=301.0))
    judged = [r for r in far if r["area"] == "reports"
              or r["area"] == "commands" and "commands/s" in r["measure"]]
    assert len(judged) == 3 and not any(r["met"] for r in judged)


def test_a_commands_only_run_shows_each_round_and_the_medians():
    def rnd(rate: float) -> dict:
        one = _run(floor_rate=2 * rate, p50_ms=1.0, claim_rate=rate)
        for out, value in (("commands", rate), ("floor", 2 * rate), ("floor_claim", rate)):
            one[out] = {n: {**one[out][n], "commands_per_s": value} for n in ("1", "32")}
        cpu = {n: {"attendance": 10 / rate, "nats-server": 5 / rate, "bench": 1.0}
               for n in ("1", "32")}
        return {"cpu_ms": cpu} | {k: one[k] for k in ("commands", "floor", "floor_claim")}

    text = report.commands_only({"rounds": [rnd(100.0), rnd(300.0), rnd(200.0)],
                                 "command": "python -m bench --commands-only",
                                 "load_start": "1", "load_end": "1",
                                 "failures": {"count": 0}})
    medians = [line for line in text.splitlines() if line.startswith("| median")]
    assert medians == ["| median | 1 | 200 | 400 | 200 | 0.500 | 1.000 | 0.050 | 0.075 |",
                       "| median | 32 | 200 | 400 | 200 | 0.500 | 1.000 | 0.050 | 0.075 |"]


def test_only_the_goals_not_met_get_their_evidence_profile_and_way_forward():
    ours = {"samples": 100, "self_pct": [["recv (nats/aio/client.py)", 30.0]],
            "inclusive_pct": [], "ours_pct": [["handle (services/attendance/app.py)", 40.0]]}
    far = _run(floor_rate=1000.0, p50_ms=301.0)
    far |= {"cpu_pct": {"commands_1": {"attendance": 50, "nats-server": 20},
                        "reports": {"reporting": 90, "postgres": 10}},
            "profiles": {"why commands_1": {"attendance": ours},
                         "why GET /regional": {"reporting": ours},
                         "commands_1": {"attendance": ours}},
            "lookups": {"named_ms": 0.3, "any_prison_ms": 4.1}}
    far["scale"]["flatness"] = {"p50_ratio": 2.0, "p99_ratio": 1.1}
    far["table"] = report.rows(far)
    text = report.markdown(far | {"mode": "full", "machine": "m", "started": "s",
                                  "duration_s": 1, "load_start": "", "load_end": "",
                                  "command": "c", "failures": {"count": 0}, "problems": [],
                                  "client_errors": {}, "notes": []})
    section = text.split("## What stands in the way of the goals not met")[1]
    assert "### Commands against the floor and the peer" in section
    assert "the floor with the command-id claim 200/s = 0.20× the floor" in section
    assert "CPU ms per command: attendance 5.00, nats-server 2.00" in section
    assert "py-spy, commands_1, attendance (100 samples): self % — recv" in section
    assert "handle (services/attendance/app.py) 40.0" in section
    assert "### Reports at scale" in section and "GET /regional: p50 301.0 ms" in section
    assert "py-spy, GET /regional, reporting" in section
    assert "### Rebuild" not in section and "### Memory" not in section
    assert "### Command latency at the largest log" in section
    assert "its prison named: 0.3 ms; in any prison (`*`" in section and "4.1 ms" in section
    assert section.count("**What stands in the way, what would move it:**") == 3
    assert "py-spy, commands_1, attendance" in text.split("## Profiles")[1]  # --profile's own
    assert "why " not in text.split("## Profiles")[1]
    near = _run(floor_rate=110.0, p50_ms=250.0)
    near["commands"]["32"]["commands_per_s"] = 3000.0
    near["floor"]["32"]["commands_per_s"] = 3000.0
    near["table"] = report.rows(near)
    assert not [r for r in near["table"] if r["met"] is False]
    assert report.obstacles.lines(near) == []


def test_a_profile_without_samples_says_why():
    idle = {"why GET /": {"reporting": {"samples": 0}},
            "why GET /regional": {"reporting": {"samples": 0, "missing": True}}}
    text = "\n".join(report.obstacles._profiled({"profiles": idle}, "reports"))
    assert "GET /, reporting: no samples — its Python never ran" in text
    assert "GET /regional, reporting: nothing recorded (py-spy could not attach)" in text


def test_a_profile_of_a_report_is_written_inside_the_profiles_directory(tmp_path):
    spy = Spy(None)  # `make test` has no py-spy (the bench extra): no binary is checked
    spy.outdir, spy.binary = tmp_path, "true"  # what it records is py-spy's; where, the bench's
    ((name, out, proc),) = spy.start("why GET /regional?kanwil_id=k", {"reporting": 1}, 1)
    proc.wait(10)
    assert name == "reporting" and out.parent == tmp_path
    assert out.name == "why_GET_regional_kanwil_id_k-reporting.txt"
