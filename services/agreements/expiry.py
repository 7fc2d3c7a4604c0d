"""The expiry timer: AgreementExpired for every agreement past its end without extension."""

from __future__ import annotations

import uuid

from services.agreements import domain
from services.agreements.handlers import AGGREGATE
from shared.command_edge import fingerprint
from shared.envelope import CommandMeta, StreamId
from shared.errors import Rejected
from shared.executor import Executor
from shared.history import Appended

SYSTEM_ACTOR = "system:agreements"
# Expiry command ids are derived, so every instance of the service issues the *same* command for
# the same agreement and end date, and the log's idempotency writes AgreementExpired once.
EXPIRY_NAMESPACE = uuid.UUID("0b5d8f0e-7c1a-5e2b-8f3d-657870697279")


async def expire_due(executor: Executor, prison_id: str | None = None) -> list[Appended]:
    """Write AgreementExpired for every agreement past its end (in one prison, or all).
    Safe to run on every instance at once: the command id is derived from the agreement
    and its end date."""
    written = []
    for history in await executor.ctx.store.read_aggregate_type(AGGREGATE, prison_id):
        state = executor.fold(domain.evolve, history)
        command = domain.expiry_due(state, executor.ctx.today()) if state else None
        if command is None:
            continue
        cause = next(r.envelope["event_id"] for r in reversed(history.events)
                     if r.type in ("AgreementSigned", "AgreementExtended"))
        command_id = expiry_command_id(history.stream, command.expired_on)
        meta = CommandMeta(command_id, SYSTEM_ACTOR, correlation_id=command_id,
                           causation_id=cause,
                           fingerprint=fingerprint("ExpireAgreement", command))
        try:
            written.append(await executor.run("ExpireAgreement", history.stream.prison_id,
                                              command, meta, None))
        except Rejected:  # extended or terminated meanwhile: nothing to expire
            continue
    return written


def expiry_command_id(stream: StreamId, expired_on: object) -> str:
    """The same for every instance, and distinct per prison: two prisons' agreements of the same
    id (ids are unique within a prison only) expire by two different commands."""
    return str(uuid.uuid5(EXPIRY_NAMESPACE,
                          f"{stream.prison_id}/{stream.aggregate_id}/{expired_on}"))
