"""Commands at the edge: validate a request, hand it to the executor, reply as the contract
says. Never raises, never echoes command data."""

from __future__ import annotations

import hashlib
import re
import time
import uuid
from typing import Annotated, Any

import orjson
import structlog
from pydantic import BaseModel, ConfigDict, Field, StrictInt, StringConstraints, ValidationError

from shared import regions
from shared.envelope import CommandMeta, canonical_json
from shared.errors import Detail, Rejected
from shared.executor import Executor
from shared.fields import SLUG_PATTERN, Uuid
from shared.identities import check_actor, sender
from shared.store import StoreUnavailable

log = structlog.get_logger(__name__)


class CommandRequest(BaseModel):
    """The request body every command shares; `data` is validated by the command's own model."""

    model_config = ConfigDict(extra="forbid")
    command_id: Uuid
    actor: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    # Strict: "1", true or 1.0 are not a version (pydantic would coerce each to 1).
    expected_version: Annotated[StrictInt, Field(ge=0)] | None = None
    data: dict[str, Any]


def _details(exc: ValidationError, prefix: str) -> list[Detail]:
    # Field paths and messages only: the offending value is never echoed or logged, since it
    # may be exactly the personal data the contract keeps out.
    return [
        Detail(".".join([prefix, *map(str, e["loc"])]) if prefix else ".".join(map(str, e["loc"])),
               e["msg"])
        for e in exc.errors(include_input=False, include_url=False)
    ]


def parse(raw: bytes, model: type[BaseModel]) -> tuple[CommandRequest, BaseModel]:
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise Rejected("invalid", "the request body is not valid JSON",
                       [Detail("body", "not valid JSON")]) from None
    try:
        request = CommandRequest.model_validate(body)
    except ValidationError as exc:
        raise Rejected("invalid", "the request does not match the command schema",
                       _details(exc, "")) from None
    try:
        data = model.model_validate(request.data)
    except ValidationError as exc:
        raise Rejected("invalid", "the command data does not match its schema",
                       _details(exc, "data")) from None
    return request, data


def fingerprint(name: str, data: BaseModel) -> str:
    """What a command is, beyond its id: its name and the sha256 of its validated data in
    canonical JSON (so key order, spacing or a trailing blank stripped by validation do not
    make a retry look like another command)."""
    digest = hashlib.sha256(canonical_json(data.model_dump(mode="json"))).hexdigest()
    return f"{name} {digest}"


async def handle(
    executor: Executor, name: str, subject: str, raw: bytes, headers: dict[str, str] | None,
) -> dict[str, Any]:
    """One request in, one reply body out: never raises, never echoes command data. With
    identities configured, only an officer of the subject's prison may send, as its own actor
    (`forbidden` otherwise, checked before the body is read); a region's command, only a region
    identity covering the prison (shared/regions.py)."""
    started = time.perf_counter()
    prison_id = subject.split(".")[2]
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(command=name, prison_id=prison_id)
    try:
        if not _is_slug(prison_id):
            raise Rejected("invalid", "the subject's prison_id is not a valid slug",
                           [Detail("subject.prison_id", "must match " + SLUG_PATTERN)])
        identities, row = executor.ctx.identities, executor.table[name]
        who = sender if not row.region else regions.sender
        officer = None if identities is None else who(identities, headers, prison_id)
        request, data = parse(raw, row.model)
        if row.region:
            regions.check(officer, request.actor, data)
        elif officer is not None:
            check_actor(officer, request.actor)
        meta = CommandMeta(request.command_id, request.actor,
                           correlation_id=_correlation(headers, request.command_id),
                           fingerprint=fingerprint(name, data))
        structlog.contextvars.bind_contextvars(command_id=meta.command_id,
                                               correlation_id=meta.correlation_id)
        appended = await executor.run(name, prison_id, data, meta, request.expected_version)
    except Rejected as exc:
        log.info("command_rejected", code=exc.code, reason=exc.message, ms=_ms(started))
        return exc.body()
    except StoreUnavailable as exc:
        log.warning("command_unavailable", error=str(exc), ms=_ms(started))
        return Rejected("unavailable", "the event log is unavailable; retry the command").body()
    except Exception:
        log.exception("command_failed", ms=_ms(started))
        return Rejected("unavailable", "internal error; the command was not applied").body()
    log.info("command_accepted", version=appended.version, duplicate=appended.duplicate,
             events=[r.type for r in appended.events], ms=_ms(started))
    return appended.reply()


def _correlation(headers: dict[str, str] | None, command_id: str) -> str:
    """A caller's correlation id (header `correlation_id`, as FastStream clients send it),
    else the command's own id: a person's command starts its own conversation."""
    value = (headers or {}).get("correlation_id", "")
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return command_id


_SLUG = re.compile(SLUG_PATTERN)


def _is_slug(value: str) -> bool:
    return _SLUG.fullmatch(value) is not None


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)
