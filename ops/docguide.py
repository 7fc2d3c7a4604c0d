"""What docs/asyncapi.json tells an integrator beyond the messages: the servers and how to find
them, the credentials and how to connect with them, the stream, and a subscriber that replays
and follows it (tests/e2e/test_subscriber_from_docs.py runs that snippet as it stands here).

`finish` adds them to the document FastStream generates, and makes its bindings those the NATS
binding spec (0.1.0) allows: no channel, server or message binding has any property; an
operation's binding has `queue`.
"""

from __future__ import annotations

from typing import Any

from deploy.stack import ANNOUNCE
from shared.envelope import EVENTS_PREFIX, STREAM

NATS_BINDING = "0.1.0"
CREDENTIALS = [{"$ref": "#/components/securitySchemes/nkey"}]
SERVERS = {
    "embedded": {
        "host": "127.0.0.1:{port}", "protocol": "nats", "security": CREDENTIALS,
        "description": (
            "The nats-server `pulih up` starts when `PULIH_NATS_URL` is unset, on a free "
            f"loopback port. While it runs, `$PULIH_DATA_DIR/{ANNOUNCE}` (`PULIH_DATA_DIR` "
            "defaults to `.pulih`) holds its URL under the key `nats`, e.g. "
            '`{"nats": "nats://127.0.0.1:40123", "postgres": "postgresql://…"}`.'),
        "variables": {"port": {"description": f"The port of the `nats` URL in {ANNOUNCE}."}},
    },
    "production": {
        "host": "{host}:{port}", "protocol": "nats", "security": CREDENTIALS,
        "description": "The NATS server your Pulih operator names (the stack's "
                       "`PULIH_NATS_URL`).",
        "variables": {"host": {"description": "The server's host name, from the operator."},
                      "port": {"default": "4222", "description": "The server's client port."}},
    },
}
NKEY = {
    "type": "asymmetricEncryption",
    "description": (
        "A NATS NKey (Ed25519) seed file per identity, `DIR/{identity}.nk`, created by the "
        "operator with `pulih auth init DIR --prison PRISON … [--officer PRISON:NAME …] "
        "[--subscriber NAME=FILTER …] [--region KANWIL=P1,P2 --region-user KANWIL:NAME …]` "
        "(run again, it keeps every existing key; the server "
        "takes new identities up on a configuration reload). Identities: "
        "`subscriber-{NAME}` reads the events its FILTER covers; `officer-{prison}-{name}` "
        "sends its prison's commands, with `actor` `officer:{prison}:{name}` (another actor or "
        "prison is `forbidden`); `region-{kanwil}-{name}` sends only `SetQuota` and "
        "`AssignKanwil` of its Kanwil's prisons, with `actor` `region:{kanwil}:{name}` (an "
        "officer's `SetQuota` is `forbidden`; on a server without credentials the actor must "
        "still have that form). Connect with the seed and your identity's inbox prefix, the "
        "only inbox your credentials may receive on: nats-py `nats.connect(url, "
        "nkeys_seed=SEED_FILE, inbox_prefix=\"_INBOX_{identity}\")`; FastStream 0.7.8 "
        "`NatsBroker(url, security=NatsNKey.from_file(SEED_FILE), "
        "inbox_prefix=\"_INBOX_{identity}\")`. The seed is a secret: keep it mode 0600, never "
        "log it. `pulih up`'s embedded server keeps its identities in "
        "`$PULIH_DATA_DIR/identities/`. A server without credentials (development: "
        "`PULIH_NATS_URL` set, `PULIH_NATS_CREDENTIALS` unset) takes neither."),
}

SUBSCRIBER = f'''# pip install "faststream[nats]==0.7.8" nkeys  (NatsNKey needs nkeys)
from faststream import AckPolicy, FastStream
from faststream.nats import ConsumerConfig, DeliverPolicy, JStream, NatsBroker, NatsMessage
from faststream.nats import NatsNKey, PullSub


def pulih_subscriber(url, name, subject_filter, seed_file, handle):
    """A broker replaying, from the first event, every event `subject_filter` covers, then
    following new ones: `await handle(envelope, headers)` for each, in log order. `name` and
    `subject_filter` are those of `--subscriber NAME=FILTER`, `seed_file` is
    `subscriber-NAME.nk` (None on a server without credentials)."""
    identity = f"subscriber-{{name}}"
    broker = NatsBroker(url, inbox_prefix=f"_INBOX_{{identity}}",
                        security=NatsNKey.from_file(seed_file) if seed_file else None)
    # The stream exists: declare=False, or FastStream tries to redeclare it (err 10052).
    events = JStream("{STREAM}", declare=False)

    @broker.subscriber(
        subject_filter, stream=events,
        durable=name,  # the consumer's name: your NAME, the one your credentials may create
        config=ConsumerConfig(deliver_policy=DeliverPolicy.ALL),  # replay from sequence 1
        pull_sub=PullSub(batch_size=1),  # one at a time: FastStream handles a batch concurrently
        inbox_prefix=f"_INBOX_{{identity}}.".encode(),  # FastStream's default is _INBOX.
        ack_policy=AckPolicy.NACK_ON_ERROR,  # an event your code fails on comes again
    )
    async def on_event(envelope: dict, msg: NatsMessage) -> None:
        await handle(envelope, msg.headers)

    return broker

# asyncio.run(FastStream(pulih_subscriber(URL, NAME, FILTER, SEED_FILE, handle)).run())
'''

GUIDE = f"""

## Servers
`servers` names them: `embedded`, the nats-server `pulih up` starts (its URL is in
`$PULIH_DATA_DIR/{ANNOUNCE}`, key `nats`, while it runs), and `production`, the one your
operator names. The credentials to use are under `components.securitySchemes.nkey`.

## The events: one stream
Every event is in the JetStream stream `{STREAM}`, subjects `{EVENTS_PREFIX}.>`: the subject of
an event is `{EVENTS_PREFIX}.{{prison_id}}.{{aggregate_type}}.{{aggregate_id}}.{{type}}`. A
filter takes one prison (`{EVENTS_PREFIX}.lapas-banyuwangi.>`) or one type everywhere
(`{EVENTS_PREFIX}.*.*.*.SessionHeld`); a subscriber identity's filter is fixed when it is
created, and it can read nothing else. The stream already exists, file-stored, kept for ever;
deletes and purges are denied. Nobody but Pulih's admin identity creates or changes it, so a
subscriber never declares it: FastStream needs `JStream("{STREAM}", declare=False)`, because a
plain `stream="{STREAM}"` declares it at start, finds it exists with another configuration,
tries to update it to FastStream's defaults and dies with JetStream error 10052 ("stream
configuration update can not cancel deny message deletes"); with subscriber credentials the
declaration is not even permitted.

## Replaying the history, then following live
Create a consumer on `{STREAM}` with deliver policy `all` and your filter: it delivers every
event the filter covers from the first (stream sequence 1), in log order, then each new one as
it is written. Make it a durable pull consumer named with your NAME: restarted, it resumes
after the last event it acknowledged; to replay from the start again, delete it first
(`js.delete_consumer("{STREAM}", NAME)`). Subscriber credentials allow exactly that consumer,
created with its name and filter (`$JS.API.CONSUMER.CREATE.{STREAM}.NAME.FILTER`, as nats-py
does for a durable pull consumer), its info, fetching from it, acknowledging and deleting it;
no other consumer, no direct get, no stream look-up by subject. An ordered consumer
(`ordered_consumer=True, deliver_policy=DeliverPolicy.ALL`: push, ephemeral, no
acknowledgements, replays everything on every start) works only on a server without
credentials: nats-py creates it without a name, on `$JS.API.CONSUMER.CREATE.{STREAM}`, which
no subscriber may use.

Each event carries `Nats-Msg-Id` (its `event_id`): handle events idempotently by `event_id`,
since a message not acknowledged (your process stopped) comes again. An aggregate's events
arrive in `aggregate_version` order, and `prev_hash` links each to the one before.

A whole subscriber, with FastStream 0.7.8 (Pulih's tests run it as written here):

```python
{SUBSCRIBER}```
"""


def finish(doc: dict[str, Any]) -> None:
    """The servers, credentials, guide and NATS bindings of the generated document."""
    doc["info"]["description"] += GUIDE
    doc["servers"] = SERVERS
    doc["components"]["securitySchemes"] = {"nkey": NKEY}
    for key, channel in doc["channels"].items():
        channel.pop("servers", None)  # every channel is on every server
        queue = channel.pop("bindings", {}).get("nats", {}).get("queue")
        operation = doc["operations"].get(key)
        if operation is None:  # a reply: sent on the requester's inbox
            continue
        operation["security"] = CREDENTIALS
        if description := channel.get("description"):
            operation["description"] = description
        if queue:
            operation["bindings"] = {"nats": {"queue": queue, "bindingVersion": NATS_BINDING}}
