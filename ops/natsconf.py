"""The nats-server configuration for a set of identities: accounts, nkey users, permissions.
Pure: identities in, config text out (`nats-server -c FILE -p PORT -js -sd STORE`, or included
by the embedded server's own config).

Every permission is an allow list, so whatever is not named is refused by the server:
- account PULIH (JetStream): the services append to the log and the command-id stream, read
  both by direct get, answer commands; reporting reads the log through consumers named from a
  pool of its own, `reporting-0` … `reporting-31` (shared/consumers.py: ordered push
  consumers created on `$JS.API.CONSUMER.CREATE.{stream}.{name}`, their info, delete and flow
  control), and by direct get; a subscriber creates only consumers named after itself whose
  filter is its own (the server pins the filter in `$JS.API.CONSUMER.CREATE.{stream}.{name}.
  {filter}` to the request's, error 10131), and no subscriber may take a `reporting-` name
  (ops/identities.py); admin only creates the two streams. Nobody may update, delete or purge
  a stream, nor create, update or delete a consumer that is not its own: the stream-wide
  create subject, whose body may name any consumer, is nobody's. NATS wildcards match whole
  tokens only (a `reporting-*` token is literal), hence a pool of listed names.
- one account per prison (no JetStream): its officers send that prison's commands, imported
  from PULIH with `share: true` so the server stamps each request with `Nats-Request-Info`
  naming the officer's account and user.
- one account per region (Kanwil, no JetStream): its users send only `SetQuota` and
  `AssignKanwil` of the region's prisons, imported alike with `share: true`.

Residual risk (nats-server 2.15.1, nats-py 2.16): a permission sees the create subject, never
the body, so it cannot refuse a push consumer, nor choose its deliver subject, and the server
does not check that subject against the creator's permissions (nats-server issue 8274). A
reader (reporting in its pool, a subscriber under its name) can therefore aim a push consumer
with its readable events at any literal subject of PULIH. What that reaches: a stream subject
is refused (10081, "forms a cycle"); `$JS.API` subjects are never bound; the command services
subscribe with wildcards (`pulih.commands.*.{service}.{Name}`), as do nats-py's reply muxes
(`_INBOX_{identity}.{nuid}.*`), and 2.15.1 binds a push consumer only to a subscription on
its literal deliver subject (nats-server issue 6016); the only literal subscriptions are the
deliver inboxes of readers' own push consumers, random subjects known to their reader and the
server (no reader may read another's consumer info). Should a server deliver to wildcard
interest, events would reach the command services without a prison's `Nats-Request-Info`,
which the command edge refuses (`forbidden`, nothing written) whenever credentials are on.
tests/integration/test_reader_consumers.py shows all of it on the real server.
"""

from __future__ import annotations

import json

from ops.identities import SERVICE_ACCOUNT, Identities, IdentityError
from shared import consumers
from shared.bus import COMMANDS_PREFIX
from shared.credentials import inbox_prefix
from shared.envelope import EVENTS_PREFIX, STREAM
from shared.identities import Identity
from shared.identities import account_of as prison_account
from shared.jetstream import CLAIMS_PREFIX, CLAIMS_STREAM
from shared.regions import account_of as region_account

API = "$JS.API"
HEADER = ("# Written by `pulih auth init`: accounts, users and permissions of one Pulih "
          "deployment.\n# Regenerated on every run (edit the identities, not this file); "
          "apply with a config reload.\n")


REGION_COMMANDS = ("programs.SetQuota", "programs.AssignKanwil")


def region_subjects(prisons: list[str]) -> list[str]:
    """The command subjects a region sends: its prisons' SetQuota and AssignKanwil only."""
    return [f"{COMMANDS_PREFIX}.{p}.{command}" for p in prisons for command in REGION_COMMANDS]


def permissions(identity: Identity, regions: dict[str, list[str]] | None = None) -> dict:
    """What `identity` may publish and subscribe to, and whether it may answer requests
    (`regions`: each Kanwil's prisons, for a region user)."""
    inbox = f"{inbox_prefix(identity.stem)}.>"
    role = identity.role
    if role == "officer":
        return _allow([f"{COMMANDS_PREFIX}.{identity.prison_id}.>"], [inbox])
    if role == "region":
        return _allow(region_subjects((regions or {}).get(identity.kanwil_id, [])), [inbox])
    if role == "services":
        publish = [f"{EVENTS_PREFIX}.>", f"{CLAIMS_PREFIX}.>",
                   *(f"{API}.{call}.{stream}" for stream in (STREAM, CLAIMS_STREAM)
                     for call in ("DIRECT.GET", "STREAM.INFO"))]
        return _allow(publish, [f"{COMMANDS_PREFIX}.>", inbox], responses=True)
    if role == "reporting":
        publish = [f"{API}.DIRECT.GET.{STREAM}", f"{API}.STREAM.INFO.{STREAM}",
                   *(subject for name in consumers.slot_names() for subject in (
                       f"{API}.CONSUMER.CREATE.{STREAM}.{name}",
                       *(f"{API}.CONSUMER.{call}.{STREAM}.{name}" for call in ("INFO", "DELETE")),
                       f"$JS.FC.{STREAM}.{name}.>"))]
        return _allow(publish, [inbox])
    if role == "admin":
        publish = [f"{API}.{call}.{stream}" for stream in (STREAM, CLAIMS_STREAM)
                   for call in ("STREAM.CREATE", "STREAM.INFO")]
        return _allow(publish, [inbox])
    if role == "subscriber":
        name = identity.name
        if name.startswith(consumers.PREFIX):  # listed before the prefix was reserved
            raise IdentityError(f"subscriber {name!r}: names starting with "
                                f"{consumers.PREFIX!r} are reporting's; give it another name")
        publish = [f"{API}.CONSUMER.CREATE.{STREAM}.{name}.{identity.filter}",
                   *(f"{API}.CONSUMER.{call}.{STREAM}.{name}"
                     for call in ("INFO", "DELETE", "MSG.NEXT")),
                   f"$JS.ACK.{STREAM}.{name}.>", f"$JS.FC.{STREAM}.{name}.>"]
        return _allow(publish, [inbox])
    raise ValueError(f"unknown role {role!r}")


def _allow(publish: list[str], subscribe: list[str], responses: bool = False) -> dict:
    allowed = {"publish": {"allow": publish}, "subscribe": {"allow": subscribe}}
    return {**allowed, "allow_responses": True} if responses else allowed


def accounts(model: Identities) -> dict:
    def users(account: str) -> list[dict]:
        return [{"nkey": i.public_key, "permissions": permissions(i, model.regions)}
                for i in model.identities if i.account == account]

    out = {SERVICE_ACCOUNT: {"jetstream": "enabled", "users": users(SERVICE_ACCOUNT),
                             "exports": [{"service": f"{COMMANDS_PREFIX}.>"}]}}
    for prison in model.prisons:
        subject = f"{COMMANDS_PREFIX}.{prison}.>"
        out[prison_account(prison)] = {
            "users": users(prison_account(prison)),
            "imports": [{"service": {"account": SERVICE_ACCOUNT, "subject": subject},
                         "share": True}]}
    for kanwil, prisons in model.regions.items():
        out[region_account(kanwil)] = {
            "users": users(region_account(kanwil)),
            "imports": [{"service": {"account": SERVICE_ACCOUNT, "subject": subject},
                         "share": True} for subject in region_subjects(prisons)]}
    return out


def config_text(model: Identities) -> str:
    """The config file: JSON is valid nats-server configuration, and quoting every name keeps
    account names with dashes and subjects with `$` and `>` literal."""
    return HEADER + "accounts: " + json.dumps(accounts(model), indent=2) + "\n"
