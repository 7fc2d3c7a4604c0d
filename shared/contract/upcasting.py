"""Upcasting: every reader meets each event at the current `schema_version` of its type.

The log is immutable, so an event keeps the shape it was written with for ever. When a type's
shape changes, its writers move to a new `schema_version` and a pure function from the old
`data` to the new one is registered here; readers — the projection runner's decode step and the
event store's reads behind every domain fold — apply the chain (v1→v2→…→current) as they read,
so a domain `evolve` or a projection only ever knows the current shape and a replay from
sequence 1 never breaks on an old event.

Only `data` and `schema_version` change. `hash`, `prev_hash`, the ids and every other field stay
as stored, so the hash chain is verified on the stored (raw) envelope, never on an upcast one:
the audit report, `pulih audit verify` and the export read with `raw=True`.

An event whose version has no path to the current one (written by a newer writer than this
reader, or a missing upcaster) raises `UnknownSchemaVersion` (an `UpcastError`, as is an
upcaster failing on malformed old data): the runner parks it (so
`pulih replay --parked` can apply it once this reader is upgraded) and a command on that
aggregate fails as `unavailable` instead of deciding on a history it cannot read.

The example — `AssessmentRecorded` v2 (who assessed)
----------------------------------------------------
v1 `data`: `instrument, phase, score, assessed_on, program_id`.
v2 adds `assessor_role`: `counselor | psychologist | medical | social_worker | officer | other`,
or null when not recorded. Why: the regional office's `score_change` compares a participant's
exit and intake scores of one instrument; a change is only comparable when both were taken by
the same kind of assessor (ASSIST is meant to be administered by a health or addiction
professional; a score a prison officer took is weaker evidence, and a urine test is medical),
so an evaluator needs to see — and may filter on — who assessed.
- Writers: `RecordAssessment` takes an optional `assessor_role` (default null: existing clients
  keep working unchanged), and the programs service writes every `AssessmentRecorded` as v2,
  with the key always present.
- v1→v2: `assessor_role: null`. A v1 event did not say who assessed, and the upcaster does not
  guess (not even `medical` for a urine test): an audit trail must not gain facts nobody
  recorded. Readers treat null as "not recorded".
- Readers (the participant fold, the evaluation read-model) read v2 only.

Adding the next version: beside the type's models in `shared/contract/events/`, register the
v(n+1) model and `@upcaster("Type", n)`, make the writer build the new model, and document it.
`current_version(type)` follows from the registry; tests check the three agree.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any

from shared.history import Recorded

Data = dict[str, Any]
Upcaster = Callable[[Data], Data]

# (event type, from_version) -> pure function from that version's data to the next version's.
UPCASTERS: dict[tuple[str, int], Upcaster] = {}
# The version every reader meets, per type with at least one upcaster (any other type: 1).
CURRENT: dict[str, int] = {}


class UpcastError(ValueError):
    """An event this reader cannot bring to the current version (the runner parks it)."""


class UnknownSchemaVersion(UpcastError):
    """No chain of upcasters leads from this event's schema_version to the current one."""


def upcaster(event_type: str, from_version: int) -> Callable[[Upcaster], Upcaster]:
    """Register `fn(data) -> data` lifting `event_type` from `from_version` to the next one."""

    def register(fn: Upcaster) -> Upcaster:
        key = (event_type, from_version)
        if key in UPCASTERS:
            raise ValueError(f"an upcaster for {event_type} v{from_version} already exists")
        UPCASTERS[key] = fn
        CURRENT[event_type] = max(CURRENT.get(event_type, 1), from_version + 1)
        return fn

    return register


def current_version(event_type: str) -> int:
    """The schema_version readers of `event_type` meet (and its writers write)."""
    return CURRENT.get(event_type, 1)


def upcast(envelope: dict[str, Any]) -> dict[str, Any]:
    """The envelope as a reader of the current version sees it. Pure: never mutates its input;
    returns the input itself when it is already current, else a new dict with `data` and
    `schema_version` replaced (everything else, `hash` and `prev_hash` included, as stored).

    An envelope without a string `type` and an integer `schema_version` is returned as is: it
    is malformed, and the reader's own checks park it with a better reason than this could.
    """
    kind, version = envelope.get("type"), envelope.get("schema_version")
    if not isinstance(kind, str) or type(version) is not int:
        return envelope
    current = CURRENT.get(kind, 1)
    if version == current:
        return envelope
    if version > current:
        raise UnknownSchemaVersion(
            f"{kind} schema_version {version} is newer than this reader knows (current "
            f"{current}): upgrade the reader")
    data = envelope.get("data")
    while version < current:
        step = UPCASTERS.get((kind, version))
        if step is None:
            raise UnknownSchemaVersion(f"{kind} schema_version {version}: no upcaster to "
                                       f"{version + 1} (current {current})")
        try:
            data = step(data)
        except Exception as exc:  # malformed old data: a reason to park, not a crash
            raise UpcastError(f"{kind} schema_version {version}→{version + 1}: "
                              f"{type(exc).__name__}: {exc}") from exc
        version += 1
    return {**envelope, "schema_version": version, "data": data}


def upcast_records(records: Iterable[Recorded]) -> list[Recorded]:
    """Stored records as readers see them; records already current are passed through."""
    out = []
    for record in records:
        envelope = upcast(record.envelope)
        out.append(record if envelope is record.envelope else replace(record, envelope=envelope))
    return out
