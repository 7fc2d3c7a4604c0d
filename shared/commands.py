"""Commands at the edge: validate a request, load→decide→append, reply as the contract says."""

from __future__ import annotations

import hashlib
import re
import time
import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any, Generic, TypeVar

import orjson
import structlog
from pydantic import BaseModel, ConfigDict, Field, StrictInt, StringConstraints, ValidationError

from shared.contract.events import Fact, decode
from shared.envelope import WIB, CommandMeta, NewEvent, StreamId, canonical_json
from shared.errors import Detail, Rejected
from shared.fields import SLUG_PATTERN, Uuid
from shared.store import Appended, ConcurrencyConflict, EventStore, History, StoreUnavailable

log = structlog.get_logger(__name__)

MAX_TRIES = 5

S = TypeVar("S")


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


@dataclass
class Context:
    """What handlers get from the composition root: the log and the clock."""

    store: EventStore
    clock: Callable[[], datetime]

    def today(self) -> date:
        return self.clock().astimezone(WIB).date()


class Folder(Generic[S]):
    """Folds histories into states, keeping the last state per aggregate so a hot aggregate
    costs only its new events."""

    def __init__(self, evolve: Callable[[S | None, Fact], S], size: int = 2_000, *,
                 fold_many: Callable[[S | None, Sequence[Fact]], S | None] | None = None):
        """`fold_many`, when given, folds a run of new events in one call (a state that is
        costly to copy per event, e.g. a roster of thousands)."""
        self._evolve = evolve
        self._fold_many = fold_many
        self._cache: OrderedDict[StreamId, tuple[int, str, S | None]] = OrderedDict()
        self._size = size

    def __call__(self, history: History) -> S | None:
        version, last_hash, state = self._cache.get(history.stream, (0, "", None))
        # The state folds exactly this history's first `version` events, or it starts again
        # (a history re-read after the log went backwards may differ at the same version).
        if version > history.version or (
                version and history.events[version - 1].envelope["hash"] != last_hash):
            version, state = 0, None
        new = [decode(record.envelope) for record in history.events[version:]]
        if self._fold_many is not None:
            state = self._fold_many(state, new)
        else:
            for fact in new:
                state = self._evolve(state, fact)
        self._cache[history.stream] = (history.version, history.last_hash, state)
        self._cache.move_to_end(history.stream)
        if len(self._cache) > self._size:
            self._cache.popitem(last=False)
        return state


Decision = Callable[[History], Awaitable[Sequence[NewEvent]]]


async def execute(
    store: EventStore,
    stream: StreamId,
    meta: CommandMeta,
    expected_version: int | None,
    decide: Decision,
) -> Appended:
    """Load (cached), decide, append; on a concurrent writer, decide again on the fresh history.

    A command already in the history returns its original result before anything is checked,
    so a retry succeeds even when its expected_version has since become stale. A refusal is
    only ever sent on a history read from the log: a cached one may predate another instance's
    write, so a refusal on it is checked once more against the log first.
    """
    history = await store.load(stream, fresh=False)
    verified = False
    for _ in range(MAX_TRIES):
        prior = history.result_of(meta)
        if prior:
            return prior
        try:
            if expected_version is not None and expected_version != history.version:
                raise Rejected("conflict", f"expected version {expected_version}, "
                               f"the aggregate is at version {history.version}")
            events = await decide(history)
        except Rejected:
            if verified:
                raise
            current, verified = await store.load(stream, fresh=True), True
            if current.version == history.version:
                raise
            history = current
            continue
        try:
            return await store.append(history, events, meta)
        except ConcurrencyConflict as exc:
            history, verified = exc.history, True
    raise Rejected("conflict", "too many concurrent writers; retry the command")


Handler = Callable[[Context, str, Any, CommandMeta, int | None], Awaitable[Appended]]


async def handle(
    ctx: Context, name: str, model: type[BaseModel], handler: Handler,
    subject: str, raw: bytes, headers: dict[str, str] | None,
) -> dict[str, Any]:
    """One request in, one reply body out: never raises, never echoes command data."""
    started = time.perf_counter()
    prison_id = subject.split(".")[2]
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(command=name, prison_id=prison_id)
    try:
        if not _is_slug(prison_id):
            raise Rejected("invalid", "the subject's prison_id is not a valid slug",
                           [Detail("subject.prison_id", "must match " + SLUG_PATTERN)])
        request, data = parse(raw, model)
        meta = CommandMeta(request.command_id, request.actor,
                           correlation_id=_correlation(headers, request.command_id),
                           fingerprint=fingerprint(name, data))
        structlog.contextvars.bind_contextvars(command_id=meta.command_id,
                                               correlation_id=meta.correlation_id)
        appended = await handler(ctx, prison_id, data, meta, request.expected_version)
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


def _is_slug(value: str) -> bool:
    return re.fullmatch(SLUG_PATTERN, value) is not None


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)
