"""1,000 concurrent conflicting commands on one aggregate: each answered `ok` or `conflict`, the
aggregate's version is 1 + the oks, and its hash chain is intact."""

import asyncio
import uuid
from collections import Counter

import pytest

from tests.fault.checks import read_log
from tests.fault.harness import Figure, record
from tests.fault.load import CONFLICT_PRISON as PRISON
from tests.fault.load import Load

pytestmark = pytest.mark.fault
COMMANDS = 1000


def assessment(person: str, n: int) -> tuple[str, str, str, dict]:
    return (PRISON, "programs", "RecordAssessment", {
        "participant_id": person, "instrument": "ASSIST", "phase": "mid",
        "score": float(n % 40), "assessed_on": "2026-02-02"})


async def test_a_thousand_concurrent_commands_on_one_aggregate(cluster):
    load = Load(cluster.route, timeout=30)
    person = str(uuid.uuid4())
    registered = await load.send((PRISON, "programs", "RegisterParticipant", {
        "participant_id": person, "case_type": "narcotics_user", "admitted_on": "2025-06-02"}))
    assert registered.ok, registered.reply
    # Half say which version they expect (1: all but one are stale), half do not (the service
    # decides again on the fresh history, a bounded number of times).
    sent = await asyncio.gather(*(load.send(assessment(person, n),
                                            expected_version=1 if n % 2 else None)
                                  for n in range(COMMANDS)))
    outcomes = Counter("ok" if s.ok else s.code for s in sent)
    oks = [s for s in sent if s.ok]
    history = [e for e in await read_log(cluster.nc) if e["aggregate_id"] == person]
    record(Figure(f"{COMMANDS} concurrent commands on one aggregate", cluster.mode, COMMANDS,
                  acked=len(oks), retried=sum(s.attempts - 1 for s in sent),
                  events=len(history) - 1, doubled=len(history) - 1 - len(oks),
                  note=f"answers {dict(outcomes)}; version {history[-1]['aggregate_version']}"))
    assert set(outcomes) <= {"ok", "conflict"}, outcomes
    assert sum(s.expected_version == 1 for s in oks) <= 1
    assert sorted(s.reply["aggregate_version"] for s in oks) == list(range(2, len(oks) + 2))
    assert [e["aggregate_version"] for e in history] == list(range(1, len(oks) + 2))
    assert {e["command_id"] for e in history[1:]} == {s.command_id for s in oks}
    code, out = await cluster.pulih("audit", "verify", "--prison", PRISON)
    assert code == 0, out
    assert cluster.violations() == []
    assert {e["actor"] for e in history} == {cluster.route(PRISON)[1]}
