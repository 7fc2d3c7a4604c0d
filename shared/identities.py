"""Who may send a command: the public facts of `identities.json` (written by `pulih auth init`),
and the check of a request's server-stamped `Nats-Request-Info` header against them.

An officer lives in its prison's own NATS account (`prison-{P}`), which imports the command
service with `share: true`; crossing that import, nats-server overwrites the header with the
requester's account (`acc`) and nkey public key (`user`), so neither can be forged by a client
(tests/integration/test_request_info.py shows it on the real server). The file holds no secret.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Literal

import orjson
from pydantic import AwareDatetime, BaseModel, ConfigDict, ValidationError

from shared import credentials
from shared.errors import Detail, Rejected

FILE = "identities.json"
REQUEST_INFO = "Nats-Request-Info"  # stamped by nats-server on a request crossing an import
OFFICER = "officer"
REGION = "region"


class IdentitiesError(ValueError):
    """identities.json is missing or not in the expected format."""


class Identity(BaseModel):
    """One line of identities.json (docs: the shared format of `pulih auth init`)."""

    model_config = ConfigDict(frozen=True, extra="ignore")
    role: Literal["officer", "services", "reporting", "admin", "subscriber", "region"]
    public_key: str
    account: str
    prison_id: str | None = None
    name: str | None = None
    filter: str | None = None
    actor: str | None = None
    kanwil_id: str | None = None  # a region user's Kanwil (its prisons: `Identities.regions`)
    created_at: AwareDatetime

    @property
    def stem(self) -> str:
        """The identity's name: its seed file's stem and its inbox's suffix."""
        if self.role == OFFICER:
            return credentials.officer(self.prison_id, self.name)
        if self.role == "subscriber":
            return credentials.subscriber(self.name)
        if self.role == REGION:
            return credentials.region(self.kanwil_id, self.name)
        return self.role


class _File(BaseModel):
    model_config = ConfigDict(extra="ignore")
    version: Literal[1]
    identities: list[Identity]
    # A Kanwil → the prisons its region identities cover (`pulih auth init --region`).
    regions: dict[str, list[str]] = {}


class Identities:
    """The identities of one credentials directory, by public key. Loaded from a file, it reads
    the file again when a key is not found and the file has changed since (`pulih auth init`
    adds officers while the services run)."""

    def __init__(self, identities: Iterable[Identity], path: Path | None = None,
                 regions: Mapping[str, Iterable[str]] | None = None):
        self.path, self._stamp = path, _stamp(path)
        self._set(_File(version=1, identities=list(identities),
                        regions={k: list(v) for k, v in (regions or {}).items()}))

    def _set(self, found: _File) -> None:
        identities = found.identities
        self.regions = {kanwil: frozenset(prisons) for kanwil, prisons in found.regions.items()}
        self.all = tuple(identities)
        self._by_key = {i.public_key: i for i in self.all}
        self._since: dict[str, datetime] = {}  # an officer actor → its first key's creation
        for i in self.all:
            if i.role in (OFFICER, REGION) and i.actor:
                self._since[i.actor] = min(i.created_at, self._since.get(i.actor, i.created_at))

    @classmethod
    def load(cls, directory: Path) -> Identities:
        path = Path(directory) / FILE
        found = _read(path)
        return cls(found.identities, path, found.regions)

    def by_key(self, public_key: str) -> Identity | None:
        found = self._by_key.get(public_key)
        if found is None and self._reload():
            found = self._by_key.get(public_key)
        return found

    def covers(self, kanwil_id: str, prison_id: str) -> bool:
        """Whether region `kanwil_id`'s identities cover `prison_id` (a re-run of `pulih auth
        init --region` may have added it since the file was read)."""
        if prison_id in self.regions.get(kanwil_id, ()):
            return True
        return self._reload() and prison_id in self.regions.get(kanwil_id, ())

    def _reload(self) -> bool:
        """Read the file again if it changed since; whether it did."""
        if self.path is None or _stamp(self.path) == self._stamp:
            return False
        self._stamp = _stamp(self.path)
        with contextlib.suppress(IdentitiesError):  # mid-rewrite: keep the known ones
            self._set(_read(self.path))
        return True

    def officer(self, account: str, public_key: str) -> Identity | None:
        """The officer with that key in that account, else None."""
        found = self.by_key(public_key)
        if found is None or found.role != OFFICER or found.account != account:
            return None
        return found

    def known_at(self, actor: str, instant: datetime) -> bool:
        """Whether an officer (or region user) with that actor existed at `instant` (created at
        or before it)."""
        since = self._since.get(actor)
        return since is not None and since <= instant


def account_of(prison_id: str) -> str:
    return f"prison-{prison_id}"


def sender(identities: Identities, headers: Mapping[str, str] | None,
           prison_id: str) -> Identity:
    """The officer of `prison_id` the server says sent the request, or `forbidden`."""
    info = _request_info(headers)
    if info is None:
        raise _forbidden("the request carries no sender stamped by the server: send it with an "
                         "officer's credentials", "actor", "no authenticated sender")
    account, key = info.get("acc"), info.get("user")
    if account != account_of(prison_id):
        raise _forbidden("the sender's credentials are not for this prison", "subject.prison_id",
                         "not a prison the sender's credentials cover")
    officer = identities.officer(account, key) if isinstance(key, str) else None
    if officer is None or officer.prison_id != prison_id or not officer.actor:
        raise _forbidden("the sender is not an officer of this prison known to Pulih", "actor",
                         "the sender's key is not an officer of this prison")
    return officer


def check_actor(officer: Identity, actor: str) -> None:
    """A body's `actor` must be the one the sender's credentials name."""
    if actor != officer.actor:
        raise _forbidden("the actor is not the one the sender's credentials name", "actor",
                         f"must be {officer.actor}, the actor of the sender's credentials")


def _request_info(headers: Mapping[str, str] | None) -> dict | None:
    # Only the exact name the server writes: a client's own variant spelled in another case is
    # never the server's stamp, so a request carrying one is refused rather than guessed at.
    names = [n for n in headers or {} if n.lower() == REQUEST_INFO.lower()]
    if names != [REQUEST_INFO]:
        return None
    try:
        info = orjson.loads(headers[REQUEST_INFO])
    except orjson.JSONDecodeError:
        return None
    return info if isinstance(info, dict) else None


def _forbidden(message: str, field: str, detail: str) -> Rejected:
    return Rejected("forbidden", message, [Detail(field, detail)])


def _read(path: Path) -> _File:
    try:
        return _File.model_validate(orjson.loads(path.read_bytes()))
    except FileNotFoundError:
        raise IdentitiesError(f"{path} not found: create it with `pulih auth init`") from None
    except (orjson.JSONDecodeError, ValidationError) as exc:
        problems = exc.errors(include_input=False) if isinstance(exc, ValidationError) else []
        where = "; ".join(".".join(map(str, p["loc"])) + ": " + p["msg"] for p in problems)
        raise IdentitiesError(f"{path} is not an identities file{': ' + where if where else ''}"
                              ) from None


def _stamp(path: Path | None) -> tuple[int, int] | None:
    try:
        found = os.stat(path) if path is not None else None
    except OSError:
        return None
    return None if found is None else (found.st_mtime_ns, found.st_size)
