"""Every event the services write, checked by the audit: the demo region (deploy/demo_region),
alone, sent through the three command services' real handlers, in memory, then the agreements
service's own expiry."""

import uuid

import orjson
import pytest

from deploy.demo import actor
from deploy.demo_region import PRISONS, REGION_ACTOR, region
from ops.checks import Verifier, verify
from ops.history import SUMMARIES, history_row
from ops.verify import entry
from services.agreements import handlers as agreement_handlers
from services.agreements.expiry import expire_due
from services.attendance import handlers as attendance_handlers
from services.programs import handlers as program_handlers
from shared.bus import command_subject
from shared.command_edge import handle
from shared.contract.events import EVENT_AGGREGATES, EVENT_SCHEMAS
from shared.contract.validation import validate
from shared.eventlog import LogMessage
from shared.executor import Context, Executor
from shared.memory_store import InMemoryEventStore, subject_of
from shared.store import utc_now


async def demo_log() -> list[LogMessage]:
    """The messages the services write for the demo region, as JetStream would store them."""
    store = InMemoryEventStore()
    ctx = Context(store, utc_now)
    executors = {service: Executor(ctx, handlers.TABLE) for service, handlers in (
        ("agreements", agreement_handlers), ("programs", program_handlers),
        ("attendance", attendance_handlers))}

    async def send(prison: str, service: str, name: str, data: dict, actor: str) -> None:
        body = orjson.dumps({"command_id": str(uuid.uuid4()), "actor": actor,
                             "expected_version": None, "data": data})
        reply = await handle(executors[service], name,
                             command_subject(prison, service, name), body, None)
        assert reply["ok"], (name, reply)

    scenario = region()
    for prison in PRISONS:
        for service, name, data in scenario.officers[prison]:
            await send(prison, service, name, data, actor(prison))
        for service, name, data in scenario.regional[prison]:
            await send(prison, service, name, data, REGION_ACTOR)
    assert len(await expire_due(executors["agreements"])) >= 1  # the region's own, at its end
    return [LogMessage(r.seq, subject_of(r.envelope), r.envelope["event_id"],
                       orjson.dumps(r.envelope)) for r in store.log]


@pytest.fixture(scope="module")
async def demo():
    return await demo_log()


def test_the_registry_covers_every_event_type_of_the_contract():
    assert len(EVENT_AGGREGATES) == 34  # 18; urine 2, intake 7, custody 3, sessions 1,
    # phases 1, prison 2 (issue 13)
    assert {t for t, v in EVENT_SCHEMAS if v == 1} == set(EVENT_AGGREGATES)
    for model in EVENT_SCHEMAS.values():  # the AsyncAPI document is generated from these
        assert model.model_json_schema()["additionalProperties"] is False


def test_every_event_the_services_write_is_valid(demo):
    types = set()
    for message in demo:
        envelope = orjson.loads(message.body)
        assert validate(envelope) == [], (message.seq, envelope["type"])
        types.add(envelope["type"])
    assert types == set(EVENT_AGGREGATES)


def test_the_whole_demo_log_verifies(demo):
    summary = verify(map(entry, demo), Verifier())
    assert summary.events == len(demo) and summary.first_seq == 1
    assert set(summary.types) == set(EVENT_AGGREGATES)
    assert summary.types["SessionHeld"] > 500


def test_every_event_type_has_a_summary_of_its_real_data(demo):
    for message in demo:
        row = history_row(message.seq, orjson.loads(message.body))
        assert SUMMARIES[row["type"]](row["data"]) == row["summary"]
        assert not row["summary"].startswith("{"), row["type"]
