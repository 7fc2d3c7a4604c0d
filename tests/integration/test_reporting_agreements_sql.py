"""The agreements projection and its query against a real PostgreSQL."""

from datetime import UTC, date, datetime

import asyncpg
import pytest

from services.reporting.projections import AgreementsProjection
from services.reporting.read.asof import resolve
from services.reporting.read.live import LiveReadModel
from services.reporting.read.queries import list_agreements
from shared.projection import Parked
from shared.projection import apply as apply_batch
from shared.store import Recorded, StoreUnavailable

pytestmark = pytest.mark.pg

TODAY = date(2025, 6, 1)
A1, A2, A3, A4 = (f"0b7d6c1e-0000-4000-8000-00000000000{i}" for i in range(1, 5))


class Log:
    """Hands out stream sequences and per-aggregate versions, like the event log would."""

    def __init__(self):
        self.seq, self.versions = 0, {}

    def __call__(self, aggregate_id, type_, data, prison_id="lapas-banyuwangi",
                 aggregate_type="agreement"):
        self.seq += 1
        self.versions[aggregate_id] = version = self.versions.get(aggregate_id, 0) + 1
        return Recorded(self.seq, {
            "type": type_, "prison_id": prison_id, "aggregate_type": aggregate_type,
            "aggregate_id": aggregate_id, "aggregate_version": version, "data": data})


def signed(partner, until, signed_on="2024-01-10", **extra):
    return {"number": f"PKS/{partner}", "title": f"Kerja sama {partner}",
            "partner": {"id": partner, "name": partner.title(), "kind": "ipwl"},
            "services": ["counseling", "medical"], "signed_on": signed_on,
            "effective_from": signed_on, "effective_until": until, "signatories": [],
            "renews": None, "committed_sessions_per_month": 2, **extra}


async def apply(conn, batch):
    async with conn.transaction():
        return await apply_batch(AgreementsProjection(), conn, batch)


async def ids(conn, **filters):
    return [i["agreement_id"] for i in await list_agreements(conn, TODAY, **filters)]


async def test_batches_fold_into_rows_and_filters_apply(conn):
    log = Log()
    first = [
        log(A1, "AgreementSigned", signed("ipwl-a", "2025-06-30")),
        log(A1, "AgreementExtended", {"signed_on": "2025-05-01", "effective_until": "2026-06-30",
                                      "signatories": [], "note": "lanjut"}),
        log(A2, "AgreementSigned", signed("yayasan-b", "2025-07-15", signed_on="2024-03-01")),
        log(A3, "AgreementSigned", signed("ipwl-a", "2027-01-01", signed_on="2024-02-01"),
            prison_id="lapas-jember"),
        log("p-1", "ProgramLaunched", {}, aggregate_type="program"),
    ]
    assert await apply(conn, first) == []
    second = [
        log(A1, "AgreementAmended", {"signed_on": "2025-05-02", "note": "",
                                     "changes": {"title": "Baru", "services": ["aftercare"]}}),
        log(A4, "AgreementSigned", signed("ipwl-a", "2025-05-31", signed_on="2024-04-01")),
        log(A3, "AgreementTerminated", {"terminated_on": "2025-01-01", "reason": "x"},
            prison_id="lapas-jember"),
    ]
    assert await apply(conn, second) == []
    assert await apply(conn, [log(A4, "AgreementExpired", {"expired_on": "2025-06-01"})]) == []

    items = await list_agreements(conn, TODAY)
    assert [i["agreement_id"] for i in items] == [A1, A2, A4, A3]  # prison, signed_on, id
    assert items[0] == {
        "agreement_id": A1, "prison_id": "lapas-banyuwangi", "partner_id": "ipwl-a",
        "partner_name": "Ipwl-A", "number": "PKS/ipwl-a", "title": "Baru",
        "services": ["aftercare"], "signed_on": "2024-01-10", "effective_from": "2024-01-10",
        "effective_until": "2026-06-30", "status": "active", "days_left": 394, "extensions": 1,
    }
    assert {i["agreement_id"]: (i["status"], i["days_left"]) for i in items} == {
        A1: ("active", 394), A2: ("expiring", 44), A3: ("terminated", 0), A4: ("expired", 0)}

    assert await ids(conn, prison_id="lapas-jember") == [A3]
    assert await ids(conn, partner_id="ipwl-a") == [A1, A4, A3]
    assert await ids(conn, prison_id="lapas-banyuwangi", partner_id="ipwl-a") == [A1, A4]
    assert await ids(conn, status="expiring") == [A2]
    assert await ids(conn, status="expired", partner_id="ipwl-a") == [A4]
    assert await ids(conn, prison_id="lapas-nowhere") == []


async def test_bad_events_are_parked_and_the_rest_applied(conn):
    log = Log()
    ok = log(A1, "AgreementSigned", signed("ipwl-a", "2026-01-01"))
    orphan = log(A2, "AgreementExtended", {"effective_until": "2026-01-01"})
    unknown = log(A1, "AgreementPainted", {"colour": "red"})
    malformed = Recorded(99, {"type": "AgreementSigned"})  # no aggregate_type: key() raises
    extended = log(A1, "AgreementExtended", {"effective_until": "2027-01-01"})
    extended = Recorded(extended.seq, {**extended.envelope, "aggregate_version": 2})

    parked = await apply(conn, [ok, orphan, unknown, malformed, extended])

    assert [p.seq for p in parked] == [malformed.seq, orphan.seq, unknown.seq]
    assert all(isinstance(p, Parked) and p.reason.startswith("agreements: ") for p in parked)
    (item,) = await list_agreements(conn, TODAY)
    assert (item["agreement_id"], item["effective_until"], item["extensions"]) == (
        A1, "2027-01-01", 1)


async def test_pg_agreements_reads_the_given_schema_with_a_wib_today(
        conn, database_url, schema):
    log = Log()
    await apply(conn, [log(A1, "AgreementSigned", signed("ipwl-a", "2025-06-01"))])
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=1)
    try:  # 2025-06-01 17:30 UTC is already 2 June in WIB: the agreement's last day has passed
        reads = LiveReadModel(_given(pool), schema, nc=None, store=None)
        point = await resolve(reads, schema, lambda: datetime(2025, 6, 1, 17, 30, tzinfo=UTC),
                              None)
        (item,) = await reads.agreements(point.schema, point.today, None, None, None)
    finally:
        await pool.close()
    assert (item["status"], item["days_left"]) == ("expired", 0)


async def test_pg_agreements_reports_a_dead_server_as_unavailable():
    pool = await asyncpg.create_pool("postgresql://postgres@127.0.0.1:1/x", min_size=0)
    reads = LiveReadModel(_given(pool), "x", nc=None, store=None)
    try:
        with pytest.raises(StoreUnavailable):
            await reads.agreements("x", datetime(2025, 6, 1, tzinfo=UTC).date(), None, None, None)
    finally:
        await pool.close()


def _given(pool):
    async def pool_of():
        return pool

    return pool_of
