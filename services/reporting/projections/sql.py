"""SQL the projections share: batched upserts and loads keyed by (prison_id, aggregate_id)."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any


def upsert_sql(table: str, columns: Sequence[str], types: Sequence[str], key: Sequence[str],
               casts: dict[str, str] | None = None) -> str:
    """One statement per batch: one array per column in, unnest() into rows, upsert on `key`.
    Columns in `casts` travel as text (unnest cannot take ragged arrays) and are cast back."""
    casts = casts or {}
    cols = ", ".join(columns)
    return (
        f"INSERT INTO {table} ({cols}) "
        f"SELECT {', '.join(f'{c}::{casts[c]}' if c in casts else c for c in columns)} "
        f"FROM unnest({', '.join(f'${i}::{t}[]' for i, t in enumerate(types, 1))}) AS u({cols}) "
        f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET "
        + ", ".join(f"{c} = EXCLUDED.{c}" for c in columns if c not in key))


def load_sql(table: str, columns: Sequence[str], key: Sequence[str]) -> str:
    """The rows of a batch's keys: one text array per key column in (see `key_arrays`)."""
    arrays = ", ".join(f"${i}::text[]" for i in range(1, len(key) + 1))
    return (f"SELECT {', '.join(columns)} FROM {table} "
            f"WHERE ({', '.join(key)}) IN (SELECT * FROM unnest({arrays}))")


def key_arrays(keys: Sequence[Hashable]) -> list[list[Any]]:
    """Tuple keys [(prison, id), …] as one list per key column, for `load_sql`."""
    columns: list[Any] = list(zip(*keys, strict=True)) if keys else []
    return [list(column) for column in columns]


def aggregate_key(envelope: dict[str, Any]) -> tuple[str, str]:
    """The read models' key of the event's aggregate: (prison_id, aggregate_id)."""
    return envelope["prison_id"], envelope["aggregate_id"]


def array_literal(items: Sequence[str]) -> str:
    quoted = (s.replace("\\", "\\\\").replace('"', '\\"') for s in items)
    return "{" + ",".join(f'"{s}"' for s in quoted) + "}"
