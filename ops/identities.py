"""The NATS identities of one deployment: who they are (identities.json, public facts only) and
their keys (one NKey seed file each, mode 0600), in a credentials directory.

`extend` is the whole of `pulih auth init`: it adds what is asked for and keeps everything
already there, every key included, so a re-run with a new prison or officer changes nothing for
the others; the server config (ops/natsconf.py) is rewritten from the result.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import nkeys
from nacl.signing import SigningKey

from shared import credentials as ids
from shared.consumers import PREFIX as READER_PREFIX
from shared.fields import SLUG_PATTERN
from shared.identities import FILE, Identity
from shared.identities import account_of as prison_account
from shared.regions import account_of as region_account

VERSION = 1
SERVICE_ACCOUNT = "PULIH"
SERVICE_ROLES = (ids.SERVICES, ids.REPORTING, ids.ADMIN)
# A subject filter under pulih.events: plain tokens or wildcards, `>` only last.
_TOKEN = r"(?:[A-Za-z0-9_-]+|\*)"
FILTER_PATTERN = rf"^pulih\.events(?:\.{_TOKEN})*(?:\.>)?$"


class IdentityError(ValueError):
    """A bad prison, name or filter, or a credentials directory that cannot be extended."""


@dataclass
class Identities:
    prisons: list[str] = field(default_factory=list)
    identities: list[Identity] = field(default_factory=list)
    # A Kanwil → the prisons its region identities cover (sorted; only ever extended).
    regions: dict[str, list[str]] = field(default_factory=dict)

    def find(self, stem: str) -> Identity | None:
        return next((i for i in self.identities if i.stem == stem), None)

    def of_role(self, role: str) -> list[Identity]:
        return [i for i in self.identities if i.role == role]


def load(directory: Path) -> Identities:
    path = directory / FILE
    if not path.exists():
        return Identities()
    raw = json.loads(path.read_text())
    if raw.get("version") != VERSION:
        raise IdentityError(f"{path}: unknown version {raw.get('version')!r}")
    found = [Identity.model_validate(entry) for entry in raw["identities"]]
    prisons = raw.get("prisons") or sorted({i.prison_id for i in found if i.prison_id})
    return Identities(list(prisons), found, dict(raw.get("regions") or {}))


def save(directory: Path, model: Identities) -> None:
    """identities.json: public keys and facts, never a seed. `prisons` beside `identities`
    remembers prisons that have no officer yet."""
    body = {"version": VERSION, "prisons": model.prisons, "regions": model.regions,
            "identities": [i.model_dump(mode="json") for i in model.identities]}
    write_atomic(directory / FILE, json.dumps(body, indent=2) + "\n", 0o644)


def extend(directory: Path, prisons: Iterable[str] = (), officers: Iterable[str] = (),
           subscribers: Iterable[str] = (), regions: Iterable[str] = (),
           region_users: Iterable[str] = ()) -> tuple[Identities, list[Identity]]:
    """Add prisons, officers (`PRISON:NAME`), subscribers (`NAME=FILTER`), regions
    (`KANWIL=P1,P2`: the prisons a Kanwil's region covers, added to those it had) and region
    users (`KANWIL:NAME`) to the identities in `directory` (the service identities on first
    use); the model and the identities created now. Existing ones are kept as they are; asking
    again for one is not an error."""
    directory.mkdir(parents=True, exist_ok=True)
    directory.chmod(0o700)
    model = load(directory)
    wanted_prisons = [_slug(p, "prison") for p in prisons]
    wanted: list[tuple[str, dict]] = [(role, {"account": SERVICE_ACCOUNT})
                                      for role in SERVICE_ROLES]
    for spec in officers:
        prison, sep, name = spec.partition(":")
        if not sep:
            raise IdentityError(f"--officer {spec!r}: expected PRISON:NAME")
        prison, name = _slug(prison, "prison"), _slug(name, "officer name")
        wanted_prisons.append(prison)
        wanted.append(("officer", {"account": prison_account(prison), "prison_id": prison,
                                   "name": name, "actor": f"officer:{prison}:{name}"}))
    for spec in subscribers:
        name, sep, subject_filter = spec.partition("=")
        if not sep or not re.fullmatch(FILTER_PATTERN, subject_filter):
            raise IdentityError(f"--subscriber {spec!r}: expected NAME=FILTER, the filter a "
                                "subject filter under pulih.events (e.g. pulih.events.P.>)")
        if name.startswith(READER_PREFIX):
            raise IdentityError(f"--subscriber {spec!r}: a name starting with "
                                f"{READER_PREFIX!r} is reserved for reporting's consumers")
        wanted.append(("subscriber", {"account": SERVICE_ACCOUNT, "name": _slug(name, "name"),
                                      "filter": subject_filter}))
    wanted_prisons += _regions(model, regions)
    for spec in region_users:
        kanwil, sep, name = spec.partition(":")
        if not sep or kanwil not in model.regions:
            raise IdentityError(f"--region-user {spec!r}: expected KANWIL:NAME, the Kanwil one "
                                "given with --region KANWIL=P1,P2 (now or before)")
        name = _slug(name, "region user name")
        wanted.append(("region", {"account": region_account(kanwil), "kanwil_id": kanwil,
                                  "name": name, "actor": f"region:{kanwil}:{name}"}))
    for prison in wanted_prisons:
        if prison not in model.prisons:
            model.prisons.append(prison)
    created = [_add(directory, model, role, facts) for role, facts in wanted]
    save(directory, model)
    return model, [i for i in created if i is not None]


def _regions(model: Identities, specs: Iterable[str]) -> list[str]:
    """Record each `KANWIL=P1,P2` in `model.regions`; the prisons named."""
    named: list[str] = []
    for spec in specs:
        kanwil, sep, listed = spec.partition("=")
        prisons = [_slug(p, "prison") for p in listed.split(",") if p] if sep else []
        if not prisons:
            raise IdentityError(f"--region {spec!r}: expected KANWIL=P1,P2 (its prisons)")
        kanwil = _slug(kanwil, "kanwil")
        model.regions[kanwil] = sorted({*model.regions.get(kanwil, ()), *prisons})
        named += prisons
    return named


def _add(directory: Path, model: Identities, role: str, facts: dict) -> Identity | None:
    now = datetime.now(UTC).replace(microsecond=0)
    probe = Identity(role=role, public_key="", created_at=now, **facts)
    held = model.find(probe.stem)
    if held is not None:
        if held.filter != probe.filter:
            raise IdentityError(f"{probe.stem} exists with filter {held.filter!r}: a "
                                "subscriber keeps its filter (add one with another name)")
        return None
    path = ids.seed_file(directory, probe.stem)
    if path.exists():  # a key without its entry (identities.json lost): kept, not replaced
        seed = path.read_bytes().strip()
    else:
        seed = nkeys.encode_seed(bytes(SigningKey.generate()), nkeys.PREFIX_BYTE_USER)
        write_atomic(path, seed.decode() + "\n", 0o600)
    public = nkeys.from_seed(bytearray(seed)).public_key.decode()
    identity = probe.model_copy(update={"public_key": public})
    model.identities.append(identity)
    return identity


def _slug(value: str, what: str) -> str:
    if not re.fullmatch(SLUG_PATTERN, value):
        raise IdentityError(f"{what} {value!r}: must match {SLUG_PATTERN}")
    return value


def write_atomic(path: Path, text: str, mode: int) -> None:
    """Written whole under a temporary name, then renamed: a reader (or a server reloading its
    config) never sees half a file; a seed is created with its final mode, never readable by
    others even for an instant."""
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.unlink(missing_ok=True)
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "w") as out:
        out.write(text)
    os.replace(temporary, path)
