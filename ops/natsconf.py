"""The nats-server configuration for a set of identities: accounts, nkey users, permissions.
Pure: identities in, config text out (`nats-server -c FILE -p PORT -js -sd STORE`, or included
by the embedded server's own config).

Every permission is an allow list, so whatever is not named is refused by the server:
- account PULIH (JetStream): the services append to the log and the command-id stream, read
  both by direct get, answer commands; reporting reads the log through consumers it creates
  without a name (the stream-wide create subject: nats-py's ordered consumers) and direct gets;
  a subscriber creates only consumers named after itself whose filter is its own (the server
  pins the filter in `$JS.API.CONSUMER.CREATE.{stream}.{name}.{filter}` to the request's,
  error 10131); admin only creates the two streams. Nobody may update, delete or purge a
  stream, nor delete or reconfigure a consumer that is not its own.
- one account per prison (no JetStream): its officers send that prison's commands, imported
  from PULIH with `share: true` so the server stamps each request with `Nats-Request-Info`
  naming the officer's account and user.
- one account per region (Kanwil, no JetStream): its users send only `SetQuota` and
  `AssignKanwil` of the region's prisons, imported alike with `share: true`.

Known gaps (nats-server 2.15.1, nats-py 2.16): the stream-wide create subject reporting needs
(nats-py's ordered consumers name no consumer in it) accepts a body naming an existing consumer,
so the reporting identity could reconfigure a subscriber's consumer (tests/integration/
test_subscriber.py shows what is refused); closing it means reporting creating named, filtered
consumers. And the server does not check a push consumer's deliver subject against its
creator's permissions (nats-server issue 8274): a reader could have events delivered to a
subject in PULIH, e.g. a command subject, so the command services must refuse a command that
carries no `Nats-Request-Info` when credentials are on.
"""

from __future__ import annotations

import json

from ops.identities import SERVICE_ACCOUNT, Identities
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
        publish = [f"{API}.CONSUMER.CREATE.{STREAM}", f"{API}.DIRECT.GET.{STREAM}",
                   f"{API}.STREAM.INFO.{STREAM}", f"$JS.FC.{STREAM}.>"]
        return _allow(publish, [inbox])
    if role == "admin":
        publish = [f"{API}.{call}.{stream}" for stream in (STREAM, CLAIMS_STREAM)
                   for call in ("STREAM.CREATE", "STREAM.INFO")]
        return _allow(publish, [inbox])
    if role == "subscriber":
        name = identity.name
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
