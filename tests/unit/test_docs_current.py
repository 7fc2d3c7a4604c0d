"""The committed integrator documents (docs/) are what the code generates now.

When one of these fails after a change to a command, an event schema or a report, the fix is
to regenerate and commit the documents: run `make docs`.
"""

import json
import re

import pytest

from ops import docs
from shared.contract import events as schemas
from shared.contract.registry import StoredModel
from shared.envelope import StreamId
from shared.errors import MAX_DETAILS, Detail, Rejected
from shared.store import Appended, Recorded

STALE = "docs/{name} is out of date with the code: run `make docs` and commit the result"


@pytest.fixture(scope="module")
def generated():
    return docs.documents()


@pytest.mark.parametrize("name", ["asyncapi.json", "openapi.json"])
def test_the_committed_document_is_current(generated, name):
    path = docs.DOCS / name
    assert path.exists(), STALE.format(name=name)
    assert path.read_text(encoding="utf-8") == generated[name], STALE.format(name=name)


def test_generation_is_deterministic(generated):
    assert docs.documents() == generated


def test_every_command_and_event_is_documented(generated):
    doc = json.loads(generated["asyncapi.json"])
    commands = {f"{s}.{n}" for s, table in docs.command_tables().items() for n in table}
    events = {f"events.{t}" for t, _ in schemas.EVENT_SCHEMAS}
    assert set(doc["operations"]) == commands | events
    for name in commands:
        assert doc["operations"][name]["action"] == "receive"
        assert doc["operations"][name]["reply"]["channel"] == {"$ref": f"#/channels/{name}.reply"}
    for (event_type, version), _ in schemas.EVENT_SCHEMAS.items():
        envelope = doc["components"]["schemas"][f"{event_type}V{version}Event"]
        assert envelope["properties"]["schema_version"]["const"] == version
    for channel in doc["channels"].values():  # every {parameter} of an address is described
        names = set(re.findall(r"{(\w+)}", channel["address"] or ""))
        assert set(channel.get("parameters", {})) == names


def test_the_documented_replies_are_the_ones_sent():
    stream = StreamId("lapas-banyuwangi", "agreement", "5b2f3c8e-1a2b-4c3d-8e9f-0a1b2c3d4e5f")
    record = Recorded(7, {"event_id": "1f0c7a52-8d3e-4b7a-9a51-2b1e0b0d6e01",
                          "type": "AgreementSigned", "aggregate_version": 1})
    accepted = Appended(stream, (record,), 1).reply()
    assert docs.CommandAccepted.model_validate(accepted).model_dump() == accepted
    many = [Detail(f"data.attendance.{i}", "bad") for i in range(MAX_DETAILS + 3)]
    for rejected in (Rejected("invalid", "bad", [Detail("data.partner.id", "must match")]),
                     Rejected("invalid", "bad", many), Rejected("unavailable", "down")):
        body = rejected.body()  # plain dicts, built without the models: exactly their dump
        assert docs.CommandRejected.model_validate(body).model_dump() == body
    assert body["error"]["details"] == []
    details = Rejected("invalid", "bad", many).body()["error"]["details"]
    assert len(details) == MAX_DETAILS + 1
    assert details[-1] == {"field": "details", "message": "3 more not shown"}


def test_two_models_with_one_name_are_refused():
    class Partner(StoredModel):  # same name as the command's Partner, another schema
        x: int

    with pytest.raises(ValueError, match="two documented models are named Partner"):
        docs._check_unique_names([docs.command_tables()["agreements"]["SignAgreement"],
                                  Partner])


def test_every_command_is_described(generated):
    doc = json.loads(generated["asyncapi.json"])
    for service, table in docs.command_tables().items():
        for name in table:
            description = doc["operations"][f"{service}.{name}"]["description"]
            assert re.search(r"writes\s+`[A-Z]\w+`", description), name  # the events it writes
            assert "Rules:" in description, name  # its rules' gist


def test_bindings_are_those_the_nats_binding_spec_allows(generated):
    """NATS bindings 0.1.0: only an operation binding has a field (`queue`); the channel,
    server and message bindings are reserved and must not contain any property."""
    doc = json.loads(generated["asyncapi.json"])
    places = [*doc["channels"].values(), *doc["servers"].values(),
              *doc["components"]["messages"].values()]
    assert all(place.get("bindings", {}).get("nats", {}) == {} for place in places)
    queues = {}
    for key, operation in doc["operations"].items():
        binding = operation.get("bindings", {}).get("nats")
        if binding is not None:
            assert set(binding) == {"queue", "bindingVersion"}, key
            assert binding["bindingVersion"] == "0.1.0"
            queues[key] = binding["queue"]
    commands = {f"{s}.{n}": f"pulih-{s}" for s, t in docs.command_tables().items() for n in t}
    assert queues == commands  # each command service's queue group; events have none


def test_the_servers_and_credentials_are_named(generated):
    doc = json.loads(generated["asyncapi.json"])
    assert set(doc["servers"]) == {"embedded", "production"}
    assert "`$PULIH_DATA_DIR/servers.json`" in doc["servers"]["embedded"]["description"]
    assert "key `nats`" in doc["servers"]["embedded"]["description"]
    assert doc["servers"]["production"]["variables"]["port"]["default"] == "4222"
    scheme = doc["components"]["securitySchemes"]["nkey"]
    for needle in ("--subscriber NAME=FILTER", "inbox_prefix=\"_INBOX_{identity}\"",
                   "NatsNKey.from_file(SEED_FILE)", "nkeys_seed=SEED_FILE"):
        assert needle in scheme["description"], needle
    reference = [{"$ref": "#/components/securitySchemes/nkey"}]
    assert all(op["security"] == reference for op in doc["operations"].values())
    assert all(server["security"] == reference for server in doc["servers"].values())


def test_the_description_tells_how_to_subscribe(generated):
    text = json.loads(generated["asyncapi.json"])["info"]["description"]
    for needle in ("`PULIH_EVENTS`", 'JStream("PULIH_EVENTS", declare=False)', "10052",
                   "DeliverPolicy.ALL", "durable", "ordered_consumer=True", "```python"):
        assert needle in text, needle
    compile(text.split("```python\n", 1)[1].split("```", 1)[0], "snippet", "exec")


def test_every_protected_route_documents_401_as_unauthenticated(generated):
    """The contract names no error code for 401; the reports answer `unauthenticated`, and the
    OpenAPI says so on every route but /health (which needs no token)."""
    doc = json.loads(generated["openapi.json"])
    codes = doc["components"]["schemas"]["ErrorInfo"]["properties"]["code"]["enum"]
    assert "unauthenticated" in codes
    for path, operations in doc["paths"].items():
        for operation in operations.values():
            unauthorised = operation["responses"].get("401")
            if path == "/health":
                assert unauthorised is None
                continue
            assert "`unauthenticated`" in unauthorised["description"], path
            assert unauthorised["content"]["application/json"]["schema"]["$ref"].endswith(
                "/ErrorBody"), path
