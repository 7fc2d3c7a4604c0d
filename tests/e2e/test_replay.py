"""Rebuilding read-models from the log: identical to the live build, swapped in without a gap,
and reproducible as they were at a past point."""

import uuid

from deploy.demo import program_id, run_scenario
from deploy.replay import _build, replay
from services.reporting.main import projections

TIMESTAMPED = {"checkpoint": "updated_at", "parked": "parked_at"}


async def dump(pool, schema):
    """Every row of every read-model table, in a stable order."""
    out = {}
    async with pool.acquire() as conn:
        tables = await conn.fetch(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = $1 "
            "AND table_type = 'BASE TABLE' ORDER BY table_name",
            schema,
        )
        for (table,) in tables:
            rows = await conn.fetch(f'SELECT * FROM "{schema}"."{table}"')
            skip = TIMESTAMPED.get(table)
            out[table] = sorted(
                repr(sorted((k, v) for k, v in r.items() if k != skip)) for r in rows
            )
    return out


async def demo_in(stack, prison):
    replies = await run_scenario(stack.nc, prison)
    last = max(e["seq"] for r in replies for e in r["events"])
    await stack.caught_up(last)
    return last


async def test_a_rebuild_equals_the_live_read_model(stack, prison_id):
    await demo_in(stack, prison_id)
    rt = stack.rt
    pool = await rt.pool()
    live = rt.settings.readmodel_schema
    # Hold the live runner still (its checkpoint row locked) while we compare.
    async with pool.acquire() as conn, conn.transaction():
        at = await conn.fetchval(f'SELECT last_seq FROM "{live}".checkpoint FOR UPDATE')
        fresh = f"t_rebuild_{uuid.uuid4().hex[:8]}"
        await _build(rt.nc, pool, fresh, at)
        live_rows, rebuilt_rows = await dump(pool, live), await dump(pool, fresh)
    assert set(live_rows) >= {"agreements", "programs", "memberships", "sessions"}
    assert rebuilt_rows == live_rows
    async with pool.acquire() as conn:
        await conn.execute(f'DROP SCHEMA "{fresh}" CASCADE')


async def test_replay_swaps_in_while_serving_and_the_live_runner_carries_on(
    stack, prison_id, nats_url, database_url
):
    await demo_in(stack, prison_id)
    url = f"/programs/{program_id(prison_id)}"
    before = (await stack.http.get(url)).json()
    agreements = (await stack.http.get("/agreements", params={"prison_id": prison_id})).json()

    assert await replay(stack.rt.settings, nats_url, database_url, "all") == 0
    assert (await stack.http.get(url)).json() == before
    assert (
        await stack.http.get("/agreements", params={"prison_id": prison_id})
    ).json() == agreements
    assert await replay(stack.rt.settings, nats_url, database_url, "sessions") == 0
    assert (await stack.http.get(url)).json() == before

    other = f"{prison_id}-b"  # the live runner still applies what comes after the swaps
    last = await demo_in(stack, other)
    assert (await stack.http.get(f"/programs/{program_id(other)}")).json()["enrolled"] == before[
        "enrolled"
    ]
    health = (await stack.http.get("/health")).json()
    assert min(p["last_seq"] for p in health["projections"].values()) >= last


async def test_a_past_report_is_reproduced_byte_for_byte(stack, prison_id, nats_url, database_url):
    last = await demo_in(stack, prison_id)
    url = f"/programs/{program_id(prison_id)}"
    then = (await stack.http.get(url)).content
    then_agreements = (await stack.http.get("/agreements", params={"prison_id": prison_id})).content
    reply = await stack.command(
        prison_id,
        "agreements",
        "TerminateAgreement",
        {"agreement_id": _lrppn(prison_id), "terminated_on": "2025-11-01", "reason": "audit"},
    )
    assert reply["ok"], reply
    await stack.caught_up(reply["events"][0]["seq"])
    assert (
        await stack.http.get("/agreements", params={"prison_id": prison_id})
    ).content != then_agreements

    name = f"audit_{uuid.uuid4().hex[:6]}"
    assert await replay(stack.rt.settings, nats_url, database_url, until=str(last), into=name) == 0
    assert (await stack.http.get(url, params={"as_of": name})).content == then
    assert (
        await stack.http.get("/agreements", params={"prison_id": prison_id, "as_of": name})
    ).content == then_agreements


def _lrppn(prison):
    from deploy.demo import demo_id

    return demo_id("agreement/lrppn-bi-2025", prison)


def test_every_projection_is_named_for_replay():
    names = [p.name for p in projections()]
    assert len(names) == len(set(names)) and "agreements" in names
