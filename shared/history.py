"""What the store hands out: recorded events, an aggregate's history, an append's result.

A command's events carry the command's fingerprint (`Recorded.command`, from the message's
`Pulih-Command` header), so a reused `command_id` can be told from a genuine retry.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from shared.envelope import CommandMeta, StreamId
from shared.errors import Detail, Rejected


@dataclass(frozen=True, slots=True)
class Recorded:
    seq: int
    envelope: dict[str, Any]
    # "{CommandName} {sha256 of its canonical data}"; None on events written before it existed.
    command: str | None = None

    @property
    def type(self) -> str:
        return self.envelope["type"]


def command_id_used(where: str) -> Rejected:
    """The contract's answer to a `command_id` reused for another command (v2)."""
    return Rejected("conflict", "command_id already used",
                    [Detail("command_id", f"already names another command ({where})")])


def same_command(recorded: str | None, given: str | None) -> bool:
    """Whether a recorded fingerprint and a new command's agree. One that is unknown (events
    written before fingerprints, internal callers without one) is taken as a retry."""
    return recorded is None or given is None or recorded == given


@dataclass(frozen=True)
class History:
    """Everything one aggregate has recorded, in order."""

    stream: StreamId
    events: tuple[Recorded, ...] = ()

    @property
    def version(self) -> int:
        return self.events[-1].envelope["aggregate_version"] if self.events else 0

    @property
    def last_seq(self) -> int:
        return self.events[-1].seq if self.events else 0

    @property
    def last_hash(self) -> str:
        return self.events[-1].envelope["hash"] if self.events else ""

    def of_command(self, command_id: str) -> tuple[Recorded, ...]:
        return tuple(r for r in self.events if r.envelope["command_id"] == command_id)

    def result_of(self, meta: CommandMeta) -> Appended | None:
        """The original result of this very command, already in this history (an idempotent
        retry), or None. The same `command_id` recorded for another command (another name or
        other data) is refused: `conflict`, never the earlier success."""
        prior = self.of_command(meta.command_id)
        if not prior:
            return None
        if not same_command(prior[0].command, meta.fingerprint):
            raise command_id_used("a different command on this aggregate")
        return result(self.stream, prior, duplicate=True)

    def extended(self, more: Sequence[Recorded]) -> History:
        return History(self.stream, self.events + tuple(more)) if more else self


@dataclass(frozen=True)
class Appended:
    stream: StreamId
    events: tuple[Recorded, ...]
    version: int
    duplicate: bool = False

    def reply(self) -> dict[str, Any]:
        """The contract's reply body, `shared.replies.CommandAccepted` (built from values the
        store wrote, as a plain dict: a model built and dumped per command cost more than the
        rest of the reply; tests/unit/test_docs_current.py holds it to the model)."""
        return {"ok": True, "aggregate_id": self.stream.aggregate_id,
                "aggregate_version": self.version,
                "events": [{"event_id": r.envelope["event_id"], "type": r.type, "seq": r.seq}
                           for r in self.events]}


def result(stream: StreamId, events: Sequence[Recorded], duplicate: bool) -> Appended:
    return Appended(stream, tuple(events), events[-1].envelope["aggregate_version"], duplicate)
