"""`pulih audit verify` with identities: events whose actor is no officer known when they were
recorded are counted and listed as warnings (exit 3), the chain still verifies; without
identities the report is exactly as before."""

import io
import os
import subprocess
import sys
from pathlib import Path

from ops.checks import Verifier, verify
from ops.verify import verify_lines
from shared.identities import Identities
from tests.unit.identities_kit import member, officer, write
from tests.unit.test_audit_verify import PRISON, build, changed, entries, export

ROOT = Path(__file__).resolve().parents[2]
RINA = "officer:lapas-banyuwangi:rina"  # the actor of every event build() writes


def identities(tmp_path, created="2025-01-01T00:00:00Z"):
    return Identities.load(write(tmp_path, officer(PRISON, "rina", "URINA", created),
                                 member("services", "USERVICES")))


def forged():
    """build()'s log with its third event re-signed by an actor no credentials name, re-hashed
    and re-chained so every integrity check still passes."""
    log = entries(build())
    log[2] = changed(log[2], actor="officer:lapas-banyuwangi:mallory")
    log[4] = changed(log[4], prev_hash=log[2].envelope["hash"])
    return log


def test_without_identities_the_report_is_unchanged():
    plain = verify(entries(build()))
    assert plain.actors is None and plain.warnings == 0
    assert "actors" not in plain.report()


def test_a_forged_actor_is_a_warning_not_a_broken_chain(tmp_path):
    summary = verify(forged(), Verifier(identities=identities(tmp_path)))
    assert summary.events == 5
    # build()'s fourth event is lapas-jember's, with a Banyuwangi officer as its actor.
    assert summary.warnings == 2
    assert [(u.seq, u.actor) for u in summary.actors.shown] == [
        (3, "officer:lapas-banyuwangi:mallory"), (4, RINA)]
    report = summary.report()
    assert report.startswith("audit verify: OK")
    assert "actors: WARNING — 2 event(s)" in report
    assert "seq 3  officer:lapas-banyuwangi:mallory  no officer with this actor" in report
    assert "seq 4  officer:lapas-banyuwangi:rina  an officer of another prison" in report


def test_an_actor_whose_credentials_came_later_is_a_warning(tmp_path):
    later = identities(tmp_path, created="2025-03-03T02:00:00.000001Z")  # just after the events
    summary = verify(entries(build()), Verifier(identities=later))
    assert summary.warnings == 5


def test_actors_known_at_the_time_give_no_warning(tmp_path):
    log = [e for e in entries(build()) if e.envelope["prison_id"] == PRISON]
    summary = verify(log, Verifier(contiguous=False, identities=identities(tmp_path)))
    assert summary.warnings == 0
    assert "every officer actor is an identity known at the time" in summary.report()


def pulih(*args: str) -> subprocess.CompletedProcess:
    """The command in its own process (it configures logging for the process)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PULIH_")}
    return subprocess.run([sys.executable, "-m", "ops.cli", *args], capture_output=True,
                          text=True, cwd=ROOT, env=env, timeout=60, check=False)


def test_the_command_exits_3_on_warnings_and_0_without_identities(tmp_path):
    path = tmp_path / "log.jsonl"
    path.write_bytes(export(build()))
    ids = identities(tmp_path / "ids").path.parent
    assert verify_lines(io.BytesIO(path.read_bytes()), identities=Identities.load(ids)
                        ).warnings == 1
    warned = pulih("audit", "verify", "--file", str(path), "--identities", str(ids))
    assert warned.returncode == 3 and "actors: WARNING — 1 event(s)" in warned.stdout
    plain = pulih("audit", "verify", "--file", str(path))
    assert plain.returncode == 0 and "actors" not in plain.stdout
    missing = pulih("audit", "verify", "--file", str(path), "--identities", str(tmp_path / "x"))
    assert missing.returncode == 2 and "auth init" in missing.stderr
