"""Which layout a read-model schema was built with, and a rebuild when the code's differs.

`CREATE TABLE IF NOT EXISTS` never changes a table that already exists, so after an upgrade
that changes a projection's tables (new keys, new columns) or the meaning of its fold, an
existing schema would keep its old shape and old rows: queries would fail or, worse, answer
from rows keyed the old way. Each runner therefore records a stamp of its projections in the
schema (`layout`); when a runner prepares a schema that holds a read-model with another stamp
(or none: built before stamps existed), the schema is dropped and built again from sequence 1.

The stamp is a hash of each projection's name, DDL (whitespace-normalised) and optional
`layout` attribute: any change of a table definition is picked up by itself, and a projection
whose fold changes meaning without a DDL change bumps its `layout` (an int, default 1).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import asyncpg
import structlog

from shared.projection import Projection

log = structlog.get_logger(__name__)

LAYOUT_DDL = """
CREATE TABLE IF NOT EXISTS layout (runner text PRIMARY KEY, stamp text NOT NULL);
"""


def stamp(projections: Sequence[Projection]) -> str:
    """The layout of a set of projections: changes whenever one's tables or meaning change."""
    digest = hashlib.sha256()
    for projection in projections:
        ddl = " ".join(projection.ddl.split())
        version = getattr(projection, "layout", 1)
        digest.update(f"{projection.name}\0{version}\0{ddl}\0".encode())
    return digest.hexdigest()[:16]


async def stamp_of(conn: asyncpg.Connection, schema: str, runner: str) -> str | None:
    """The stamp recorded in `schema` for `runner`; None when there is none."""
    if await conn.fetchval("SELECT to_regclass($1)", f'"{schema}".layout') is None:
        return None
    return await conn.fetchval(f'SELECT stamp FROM "{schema}".layout WHERE runner = $1', runner)


async def hold(conn: asyncpg.Connection, schema: str) -> None:
    """Inside the caller's transaction: exclude every other preparer or swapper of `schema`
    until it ends. A swap that renamed the schema between a preparer's reads and its DDL
    would otherwise deadlock with it (the preparer holds a table, the drop the schema)."""
    await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", f"pulih-layout:{schema}")


async def ensure(conn: asyncpg.Connection, schema: str, runner: str, current: str) -> bool:
    """Inside the caller's transaction, before its DDL: make `schema` one built with the
    `current` layout. A schema with no read-model yet is only stamped; one built with another
    layout is dropped and created empty (the runner then builds it from sequence 1). Returns
    True when it dropped one. An advisory lock makes two instances preparing at once agree."""
    await hold(conn, schema)
    built = await conn.fetchval("SELECT to_regclass($1)", f'"{schema}".checkpoint') is not None
    found = await stamp_of(conn, schema, runner) if built else None
    dropped = built and found != current
    if dropped:
        log.warning("readmodel_layout_changed_rebuilding", schema=schema, runner=runner,
                    found=found, current=current)
        await conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
    await conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
    await conn.execute(f'SET LOCAL search_path TO "{schema}"')
    await conn.execute(LAYOUT_DDL)
    await conn.execute("INSERT INTO layout (runner, stamp) VALUES ($1, $2) "
                       "ON CONFLICT (runner) DO UPDATE SET stamp = EXCLUDED.stamp",
                       runner, current)
    return dropped
