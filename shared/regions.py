"""Who may send a region's commands (a prison's Kanwil and quotas): a region identity covering
the subject's prison, never an officer.

A region is a NATS account `region-{kanwil}` (written by `pulih auth init --region
KANWIL=P1,P2`) importing, with `share: true`, only `SetQuota` and `AssignKanwil` of its prisons,
so nats-server stamps `Nats-Request-Info` with the region's account and user key as it does an
officer's. An officer may publish everything under its prison's commands, so it is this check,
not the server, that refuses an officer's `SetQuota`. On an open server (no identities) the body's
actor must at least have the form `region:{kanwil}:{name}`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from pydantic import BaseModel

from shared.errors import Detail, Rejected
from shared.identities import REGION, Identities, Identity, _request_info, check_actor

_SLUG = r"[a-z0-9][a-z0-9-]{1,62}"
ACTOR = re.compile(rf"region:({_SLUG}):{_SLUG}")


def account_of(kanwil_id: str) -> str:
    return f"region-{kanwil_id}"


def sender(identities: Identities, headers: Mapping[str, str] | None,
           prison_id: str) -> Identity:
    """The region user the server says sent the request, its region covering `prison_id`;
    else `forbidden`."""
    info = _request_info(headers) or {}
    account, key = info.get("acc"), info.get("user")
    found = identities.by_key(key) if isinstance(key, str) else None
    if found is None or found.role != REGION or found.account != account or not found.actor:
        raise _forbidden("only a region identity may send this command (an officer may not)",
                         "actor", "the sender is not a region identity known to Pulih")
    if not identities.covers(found.kanwil_id, prison_id):
        raise _forbidden("the sender's region does not cover this prison", "subject.prison_id",
                         "not a prison the sender's region covers")
    return found


def check(region: Identity | None, actor: str, data: BaseModel) -> None:
    """The body's actor is the sender's own (with identities) or has a region's form (without);
    a `kanwil_id` in the data must be the actor's Kanwil."""
    if region is not None:
        check_actor(region, actor)
    match = ACTOR.fullmatch(actor)
    if match is None:
        raise _forbidden("only a region may send this command: the actor must be "
                         "region:{kanwil}:{name}", "actor", "not a region's actor")
    kanwil = getattr(data, "kanwil_id", None)
    if kanwil is not None and kanwil != match.group(1):
        raise _forbidden(f"a region assigns prisons to its own Kanwil ({match.group(1)}) only",
                         "data.kanwil_id", "must be the Kanwil of the actor")


def _forbidden(message: str, field: str, detail: str) -> Rejected:
    return Rejected("forbidden", message, [Detail(field, detail)])
