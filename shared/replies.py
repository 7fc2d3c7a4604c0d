"""The contract's command replies, as models: the command edge replies with them and the
AsyncAPI document is generated from them."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.fields import UUID_PATTERN

# The contract's error codes (shared.errors raises them as values).
Code = Literal["invalid", "not_found", "conflict", "rule", "unavailable", "forbidden"]


class _Reply(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EventRef(_Reply):
    event_id: Annotated[str, Field(pattern=UUID_PATTERN)]
    type: str
    seq: Annotated[int, Field(ge=1, description="The event's stream sequence.")]


class CommandAccepted(_Reply):
    """Written (or, for a retried command_id, written before: the same reply again)."""

    ok: Literal[True]
    aggregate_id: Annotated[str, Field(pattern=UUID_PATTERN)]
    aggregate_version: Annotated[int, Field(ge=0)]
    events: list[EventRef]


class CommandErrorDetail(_Reply):
    field: str = Field(description="The field at fault, e.g. `data.partner.id`.")
    message: str


class CommandError(_Reply):
    code: Code
    message: str
    details: list[CommandErrorDetail]


class CommandRejected(_Reply):
    """Nothing was written. `unavailable` is safe to retry with the same command_id."""

    ok: Literal[False]
    error: CommandError


CommandReply = Annotated[CommandAccepted | CommandRejected, Field(title="CommandReply")]
