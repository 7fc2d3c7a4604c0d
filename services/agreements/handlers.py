"""Agreements: load the aggregate, decide, append. Thin: the rules live in domain.py."""

from __future__ import annotations

import uuid

from services.agreements import domain
from services.agreements.commands import COMMANDS, ExpireAgreement, SignAgreement
from shared.commands import Context, Folder, execute, fingerprint
from shared.envelope import CommandMeta, StreamId
from shared.errors import Rejected
from shared.store import Appended, History
from shared.uniqueness import refuse_id_of_another_prison

AGGREGATE = "agreement"
SYSTEM_ACTOR = "system:agreements"
# Expiry command ids are derived, so every instance of the service issues the *same* command for
# the same agreement and end date, and the log's idempotency writes AgreementExpired once.
EXPIRY_NAMESPACE = uuid.UUID("0b5d8f0e-7c1a-5e2b-8f3d-657870697279")


class AgreementHandlers:
    def __init__(self) -> None:
        self.fold: Folder[domain.Agreement] = Folder(domain.evolve)

    def table(self) -> dict[str, tuple[type, object]]:
        return {name: (model, self.handle) for name, model in COMMANDS.items()}

    async def handle(self, ctx: Context, prison_id: str, command, meta: CommandMeta,
                     expected_version: int | None) -> Appended:
        stream = StreamId(prison_id, AGGREGATE, command.agreement_id)

        async def decide(history: History):
            renewed = None
            if isinstance(command, SignAgreement) and command.renews:
                # Another aggregate: read fresh from the log, never from a cache.
                other = await ctx.store.load(StreamId(prison_id, AGGREGATE, command.renews))
                renewed = self.fold(other)
            events = domain.decide(self.fold(history), command, ctx.today(), renewed,
                                   now=ctx.clock())
            if isinstance(command, SignAgreement) and not history.events:
                await refuse_id_of_another_prison(ctx.store, stream)
            return events

        return await execute(ctx.store, stream, meta, expected_version, decide)

    async def expire_due(self, ctx: Context, prison_id: str = "*") -> list[Appended]:
        """Write AgreementExpired for every agreement past its end (in one prison, or all).
        Safe to run on every instance at once: the command id is derived from the agreement
        and its end date."""
        by_stream: dict[StreamId, list] = {}
        for record in await ctx.store.read_filter(f"pulih.events.{prison_id}.{AGGREGATE}.*.*"):
            by_stream.setdefault(StreamId.of(record.envelope), []).append(record)
        written = []
        for stream, records in by_stream.items():
            state = self.fold(History(stream, tuple(records)))
            command = domain.expiry_due(state, ctx.today()) if state else None
            if command is None:
                continue
            cause = next(r.envelope["event_id"] for r in reversed(records)
                         if r.type in ("AgreementSigned", "AgreementExtended"))
            command_id = expiry_command_id(stream, command.expired_on)
            meta = CommandMeta(command_id, SYSTEM_ACTOR, correlation_id=command_id,
                               causation_id=cause,
                               fingerprint=fingerprint("ExpireAgreement", command))
            written.append(await self._expire(ctx, stream, command, meta))
        return [w for w in written if w is not None]

    async def _expire(self, ctx: Context, stream: StreamId, command: ExpireAgreement,
                      meta: CommandMeta) -> Appended | None:
        async def decide(history: History):
            return domain.decide(self.fold(history), command, ctx.today())

        try:
            return await execute(ctx.store, stream, meta, None, decide)
        except Rejected:  # extended or terminated meanwhile: nothing to expire
            return None


def expiry_command_id(stream: StreamId, expired_on: object) -> str:
    """The same for every instance, and distinct per prison: two prisons' agreements of the same
    id (ids are unique within a prison only) expire by two different commands."""
    return str(uuid.uuid5(EXPIRY_NAMESPACE,
                          f"{stream.prison_id}/{stream.aggregate_id}/{expired_on}"))
