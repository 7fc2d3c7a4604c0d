"""A read-model schema built with another layout (an upgrade changed the tables' keys) is not
kept silently: the runner rebuilds it from sequence 1, and an old as-of replay is not served."""

import uuid

import pytest

from services.reporting.projections import projections
from services.reporting.read.live import checkpoint_of
from shared.envelope import CommandMeta, NewEvent, StreamId, date_instant
from shared.layout import stamp
from shared.runner import ProjectionRunner
from tests.e2e.helpers import signing

pytestmark = pytest.mark.pg

# The `agreements` table as every version before (prison_id, id) keys created it.
OLD_LAYOUT = """
CREATE TABLE checkpoint (runner text PRIMARY KEY, last_seq bigint NOT NULL,
                         updated_at timestamptz NOT NULL);
INSERT INTO checkpoint VALUES ('reporting', 5, now());
CREATE TABLE agreements (agreement_id text PRIMARY KEY, prison_id text NOT NULL);
"""


async def sign_in_two_prisons(store) -> tuple[str, list[str], int]:
    """One agreement id signed in two prisons (as an offline prison could): the rows the old
    keys folded into one."""
    agreement_id, prisons, seq = str(uuid.uuid4()), [], 0
    for _ in range(2):
        prison = f"lapas-{uuid.uuid4().hex[:8]}"
        data = {k: v for k, v in signing(agreement_id).items() if k != "agreement_id"}
        command_id = str(uuid.uuid4())
        appended = await store.append(
            await store.load(StreamId(prison, "agreement", agreement_id)),
            [NewEvent("AgreementSigned", data, date_instant("2025-01-15"))],
            CommandMeta(command_id, f"officer:{prison}:rina", command_id))
        prisons.append(prison)
        seq = appended.events[-1].seq
    return agreement_id, prisons, seq


async def primary_key(conn, schema, table) -> list[str]:
    return [r["attname"] for r in await conn.fetch(
        "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
        "AND a.attnum = ANY(i.indkey) WHERE i.indrelid = $1::regclass AND i.indisprimary "
        "ORDER BY array_position(i.indkey, a.attnum)", f'"{schema}".{table}')]


async def test_a_schema_of_the_old_layout_is_rebuilt_from_the_log(nc, pool, store, schema):
    agreement_id, prisons, seq = await sign_in_two_prisons(store)
    async with pool.acquire() as conn:
        await conn.execute(f'CREATE SCHEMA "{schema}"; SET search_path TO "{schema}"; '
                           + OLD_LAYOUT)
    runner = ProjectionRunner(nc, pool, projections(), schema=schema)
    try:
        await runner.prepare()
        assert runner.last_seq == 0  # built again from sequence 1
        async with pool.acquire() as conn:
            assert await primary_key(conn, schema, "agreements") == ["prison_id", "agreement_id"]
            assert await conn.fetchval(f'SELECT stamp FROM "{schema}".layout') == stamp(
                projections())
        await runner.run_until(seq)
        async with pool.acquire() as conn:
            rows = await conn.fetch(f'SELECT prison_id FROM "{schema}".agreements '
                                    "WHERE agreement_id = $1 ORDER BY prison_id", agreement_id)
        assert [r["prison_id"] for r in rows] == sorted(prisons)  # one row per prison
        # Prepared again (a restart, a resume): the layout matches, nothing is dropped.
        await runner.prepare()
        assert runner.last_seq >= seq
    finally:
        async with pool.acquire() as conn:
            await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


async def test_a_changed_projection_rebuilds_and_an_old_replay_is_not_served(nc, pool, schema):
    runner = ProjectionRunner(nc, pool, projections(), schema=schema)
    try:
        await runner.prepare()
        async with pool.acquire() as conn:
            await conn.execute(f'UPDATE "{schema}".checkpoint SET last_seq = 7')
        current = stamp(projections())
        assert await checkpoint_of(pool, schema, current) == 7
        changed = projections()
        changed[0].layout = 2  # the fold's meaning changed: same tables, other rows
        assert stamp(changed) != current
        # A replay built by the other version is not read by this one's queries.
        assert await checkpoint_of(pool, schema, stamp(changed)) is None
        await ProjectionRunner(nc, pool, changed, schema=schema).prepare()
        assert await checkpoint_of(pool, schema, stamp(changed)) == 0
    finally:
        async with pool.acquire() as conn:
            await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
