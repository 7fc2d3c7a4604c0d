"""Rebuilding read-models from the log: identical to the live build, swapped in without a gap,
and reproducible as they were at a past point."""

import asyncio
import uuid
from datetime import datetime, timedelta

import shared.runner
from deploy.demo import program_id, run_scenario
from services.reporting.projections import projections
from services.reporting.rebuild import _build, replay
from shared.envelope import WIB

# Not data: when a row was written, and how many swaps the live read-model has seen.
UNCOMPARED = {"checkpoint": {"updated_at", "generation"}, "parked": {"parked_at"}}


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
            skip = UNCOMPARED.get(table, set())
            out[table] = sorted(
                repr(sorted((k, v) for k, v in r.items() if k not in skip)) for r in rows
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


async def test_an_as_of_replay_is_served_only_once_complete(
        stack, prison_id, nats_url, database_url, monkeypatch):
    """Before, `?as_of=` answered from the schema while the replay was still filling it."""
    last = await demo_in(stack, prison_id)
    url = f"/programs/{program_id(prison_id)}"
    now = (await stack.http.get(url)).json()
    live, paused, go = stack.rt.settings.readmodel_schema, asyncio.Event(), asyncio.Event()
    real = shared.runner.write

    async def write(pool, schema, *args):  # the replay's first batch is written, then waits
        await real(pool, schema, *args)
        if schema != live and not paused.is_set():
            paused.set()
            await go.wait()

    monkeypatch.setattr(shared.runner, "write", write)
    name = f"half_{uuid.uuid4().hex[:6]}"
    task = asyncio.create_task(
        replay(stack.rt.settings, nats_url, database_url, until=str(last), into=name))
    await asyncio.wait_for(paused.wait(), 30)
    while_building = await stack.http.get(url, params={"as_of": name})
    go.set()
    assert await asyncio.wait_for(task, 60) == 0
    assert while_building.status_code == 404, while_building.text
    assert (await stack.http.get(url, params={"as_of": name})).json() == now


async def test_an_as_of_replay_until_an_instant_is_dated_at_that_instant(
        stack, prison_id, nats_url, database_url):
    """Before, it was dated at the last event included, not at the point asked for."""
    await demo_in(stack, prison_id)
    instant = datetime.now(WIB) - timedelta(milliseconds=1)
    name = f"instant_{uuid.uuid4().hex[:6]}"
    settings = stack.rt.settings
    assert await replay(settings, nats_url, database_url, until=instant.isoformat(),
                        into=name) == 0
    async with (await stack.rt.pool()).acquire() as conn:
        dated = await conn.fetchval(f'SELECT until_time FROM "asof_{name}".replay_info')
    assert dated == instant
    tomorrow = (datetime.now(WIB) + timedelta(days=1)).isoformat()
    assert await replay(settings, nats_url, database_url, until=tomorrow, into=name) == 2


def _lrppn(prison):
    from deploy.demo import demo_id

    return demo_id("agreement/lrppn-bi-2025", prison)


def test_every_projection_is_named_for_replay():
    names = [p.name for p in projections()]
    assert len(names) == len(set(names)) and "agreements" in names
