"""`/regional` and `/evaluation` narrowed to one prison or one Kanwil, against a real PostgreSQL:
test_evaluation_sql's hand-computed scenario with Lapas Banyuwangi in one Kanwil and Lapas
Jember moved from it to another. A filtered row is the unfiltered report's row of that prison."""

from datetime import date

import orjson
import pytest

from services.reporting.http.models import EvaluationItem, RegionalItem
from services.reporting.read.evaluation import evaluation_report, regional_report
from services.reporting.read.figures import Window
from tests.integration.test_evaluation_sql import TO, W1, Log, X, Y, apply, scenario, uid

pytestmark = pytest.mark.pg

EAST, SOUTH = "kanwil-jatim", "kanwil-tapal-kuda"
WINDOWS = [Window(date(1, 1, 1), TO), W1]


def assignments() -> list[dict]:
    """Banyuwangi in EAST; Jember in EAST, then (its latest assignment) in SOUTH."""
    log = Log()
    prison_aggregates = {X: uid(), Y: uid()}
    for prison, kanwil, day in ((X, EAST, "2025-01-01"), (Y, EAST, "2025-01-01"),
                                (Y, SOUTH, "2025-06-01")):
        log.add(prison, "prison", prison_aggregates[prison], "KanwilAssigned", {
            "kanwil_id": kanwil, "kanwil_name": kanwil.replace("-", " ").title(),
            "assigned_on": day}, day)
    return log.events


@pytest.fixture
async def region(conn):
    await apply(conn, scenario() + assignments())
    return conn


def of(rows: list[dict], *prisons: str) -> list[dict]:
    return [r for r in rows if r["prison_id"] in prisons]


@pytest.mark.parametrize("window", WINDOWS)
async def test_regional_of_a_kanwil_or_a_prison_is_those_prisons_unfiltered_rows(region, window):
    everything = await regional_report(region, window)
    assert [r["prison_id"] for r in everything] == [X, Y]
    assert await regional_report(region, window, kanwil_id=EAST) == of(everything, X)
    assert await regional_report(region, window, kanwil_id=SOUTH) == of(everything, Y)
    assert await regional_report(region, window, prison_id=Y) == of(everything, Y)
    assert await regional_report(region, window, prison_id=Y, kanwil_id=EAST) == []
    assert await regional_report(region, window, [X], kanwil_id=SOUTH) == []  # token: X only
    assert await regional_report(region, window, [X, Y], kanwil_id=SOUTH) == of(everything, Y)


async def test_an_unknown_kanwil_or_prison_has_no_rows(region):
    assert await regional_report(region, W1, kanwil_id="kanwil-nowhere") == []
    assert await regional_report(region, W1, prison_id="lapas-nowhere") == []
    assert await evaluation_report(region, W1, kanwil_id="kanwil-nowhere") == []


@pytest.mark.parametrize("window", WINDOWS)
async def test_evaluation_of_a_kanwil_is_its_prisons_programs(region, window):
    everything = await evaluation_report(region, window)
    assert {r["prison_id"] for r in everything} == {X, Y}
    assert await evaluation_report(region, window, kanwil_id=EAST) == of(everything, X)
    assert await evaluation_report(region, window, kanwil_id=SOUTH) == of(everything, Y)
    assert await evaluation_report(region, window, X, kanwil_id=SOUTH) == []


async def test_a_prison_without_a_kanwil_is_in_none(conn):
    await apply(conn, scenario())
    assert await regional_report(conn, W1) != []
    assert await regional_report(conn, W1, kanwil_id=EAST) == []


@pytest.mark.parametrize("window", WINDOWS)
async def test_the_rows_are_their_models_items_exactly(region, window):
    """What lets the routes write them with orjson, without FastAPI's validation
    (`Output.listed(exact=True)`): same fields, same order, same JSON values."""
    for rows, model in ((await evaluation_report(region, window), EvaluationItem),
                        (await regional_report(region, window), RegionalItem)):
        assert rows
        for row in rows:
            assert list(row) == list(model.model_fields)
            assert orjson.loads(orjson.dumps(row)) == model.model_validate(row).model_dump(
                mode="json")
