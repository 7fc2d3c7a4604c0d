"""The agreements service's handlers and the command edge, on the in-memory store."""

import asyncio
import uuid
from datetime import UTC, datetime

import orjson
import pytest

from services.agreements.expiry import expire_due
from services.agreements.handlers import TABLE
from shared.command_edge import handle
from shared.executor import Context, Executor
from shared.memory_store import InMemoryEventStore
from shared.store import StoreUnavailable

PRISON = "lapas-banyuwangi"
NOW = datetime(2025, 3, 1, 3, 0, tzinfo=UTC)


def signing(agreement_id, **over):
    data = {
        "agreement_id": agreement_id, "number": "PKS/1", "title": "Rehabilitasi sosial",
        "partner": {"id": "yayasan-gennesa", "name": "Yayasan Gennesa", "kind": "foundation"},
        "services": ["counseling", "skills_training"], "signed_on": "2025-02-19",
        "effective_from": "2025-02-19", "effective_until": "2025-04-30",
        "signatories": [{"name": "A", "title": "Kalapas", "party": "prison"},
                        {"name": "B", "title": "Ketua", "party": "partner"}],
        "renews": None, "committed_sessions_per_month": 4}
    return {**data, **over}


class Service:
    """One instance of the agreements service: its own handlers, cache and clock."""

    def __init__(self, log, now=NOW):
        store = InMemoryEventStore()
        store.log = log
        self.store, self.ctx = store, Context(store, lambda: now)
        self.handlers = Executor(self.ctx, TABLE)

    async def send(self, name, data, command_id=None, expected_version=None, raw=None):
        body = raw if raw is not None else orjson.dumps({
            "command_id": command_id or str(uuid.uuid4()), "actor": "officer:test:rina",
            "expected_version": expected_version, "data": data})
        return await handle(self.handlers, name, f"pulih.commands.{PRISON}.agreements.{name}",
                            body, None)


@pytest.fixture
def service():
    return Service([])


async def test_sign_then_extend(service):
    agreement = str(uuid.uuid4())
    signed = await service.send("SignAgreement", signing(agreement))
    assert signed["ok"] and signed["aggregate_version"] == 1
    assert signed["events"][0]["type"] == "AgreementSigned" and signed["events"][0]["seq"] == 1
    extended = await service.send("ExtendAgreement", {
        "agreement_id": agreement, "signed_on": "2025-02-28", "effective_until": "2026-04-30",
        "signatories": signing(agreement)["signatories"], "note": "lanjut"}, expected_version=1)
    assert extended["ok"] and extended["aggregate_version"] == 2


async def test_bad_json_is_invalid_and_writes_nothing(service):
    reply = await service.send("SignAgreement", None, raw=b"{nope")
    assert reply["error"]["code"] == "invalid" and service.store.log == []


async def test_schema_errors_name_the_fields_without_echoing_values(service):
    data = signing(str(uuid.uuid4()), nik="3510012345670001")
    del data["title"]
    reply = await service.send("SignAgreement", data)
    fields = {d["field"] for d in reply["error"]["details"]}
    assert reply["error"]["code"] == "invalid"
    assert {"data.title", "data.nik"} <= fields
    assert "3510012345670001" not in orjson.dumps(reply).decode()
    assert service.store.log == []


async def test_unknown_fields_in_the_request_itself_are_rejected(service):
    body = orjson.dumps({"command_id": str(uuid.uuid4()), "actor": "a", "data": {}, "x": 1})
    reply = await service.send("SignAgreement", None, raw=body)
    assert reply["error"]["code"] == "invalid"
    assert "x" in {d["field"] for d in reply["error"]["details"]}


async def test_bad_prison_slug_in_the_subject(service):
    reply = await handle(service.handlers, "SignAgreement",
                         "pulih.commands.BAD_PRISON.agreements.X", b"{}", None)
    assert reply["error"]["code"] == "invalid"


async def test_unknown_aggregate_is_not_found(service):
    reply = await service.send("TerminateAgreement", {
        "agreement_id": str(uuid.uuid4()), "terminated_on": "2025-02-28", "reason": "x"})
    assert reply["error"]["code"] == "not_found" and service.store.log == []


async def test_stale_expected_version_is_a_conflict(service):
    agreement = str(uuid.uuid4())
    await service.send("SignAgreement", signing(agreement))
    reply = await service.send("TerminateAgreement", {
        "agreement_id": agreement, "terminated_on": "2025-02-28", "reason": "x"},
        expected_version=0)
    assert reply["error"]["code"] == "conflict" and len(service.store.log) == 1


async def test_broken_rule_is_rule_and_writes_nothing(service):
    reply = await service.send("SignAgreement", signing(
        str(uuid.uuid4()), effective_until="2025-01-01"))
    assert reply["error"]["code"] == "rule" and service.store.log == []


async def test_retry_returns_the_same_success_even_with_a_stale_expected_version(service):
    agreement, command_id = str(uuid.uuid4()), str(uuid.uuid4())
    first = await service.send("SignAgreement", signing(agreement), command_id, 0)
    again = await service.send("SignAgreement", signing(agreement), command_id, 0)
    assert first == again and len(service.store.log) == 1


async def test_log_down_is_unavailable(service):
    async def down(*args, **kwargs):
        raise StoreUnavailable("nats is down")

    service.store._read = down
    reply = await service.send("SignAgreement", signing(str(uuid.uuid4())))
    assert reply["error"]["code"] == "unavailable"


async def test_renewal_must_name_an_agreement_of_this_prison(service):
    reply = await service.send("SignAgreement", signing(str(uuid.uuid4()),
                                                        renews=str(uuid.uuid4())))
    assert reply["error"]["code"] == "rule"
    old = str(uuid.uuid4())
    await service.send("SignAgreement", signing(old))
    renewed = await service.send("SignAgreement", signing(str(uuid.uuid4()), renews=old))
    assert renewed["ok"]


async def test_expiry_is_written_exactly_once_by_two_instances():
    log = []
    first = Service(log)
    agreement = str(uuid.uuid4())
    await first.send("SignAgreement", signing(agreement))
    later = datetime(2025, 5, 2, 3, 0, tzinfo=UTC)
    a, b = Service(log, later), Service(log, later)
    written_a, written_b = await asyncio.gather(expire_due(a.handlers), expire_due(b.handlers))
    expired = [r for r in log if r.type == "AgreementExpired"]
    assert len(expired) == 1 and expired[0].envelope["data"] == {"expired_on": "2025-05-01"}
    # Both instances decided to expire it; the loser's append met the winner's event and
    # recognised its own command id in it.
    assert sorted(w[0].duplicate for w in (written_a, written_b)) == [False, True]
    assert written_a[0].reply() == written_b[0].reply()
    assert await expire_due(a.handlers) == []
    assert expired[0].envelope["causation_id"] == log[0].envelope["event_id"]


async def test_nothing_to_expire_before_the_end():
    service = Service([])
    await service.send("SignAgreement", signing(str(uuid.uuid4())))
    assert await expire_due(service.handlers) == []


async def test_a_stale_cache_never_causes_a_false_refusal():
    log = []
    a, b = Service(log), Service(log)
    agreement = str(uuid.uuid4())
    await b.send("TerminateAgreement", {"agreement_id": agreement, "terminated_on":
                                        "2025-02-28", "reason": "x"})  # b caches: no such thing
    await a.send("SignAgreement", signing(agreement))
    reply = await b.send("TerminateAgreement", {
        "agreement_id": agreement, "terminated_on": "2025-02-28", "reason": "x"},
        expected_version=1)
    assert reply["ok"] and reply["aggregate_version"] == 2
