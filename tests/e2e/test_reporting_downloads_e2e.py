"""Downloads through the whole stack (commands → log → projections → HTTP over a real socket):
`?format=xlsx` of /evaluation, /programs/{id}/participants and /audit reads back as the JSON
rows, types included, with a `Content-Disposition` file name; `?format=csv&bom=1` of
/agreements starts with a UTF-8 byte-order mark and keeps Indonesian text intact; formula-like
text is text in both."""

import csv
import io

import pytest

from services.reporting.http.models import AgreementItem, AuditEvent, EvaluationItem
from services.reporting.http.plan_models import RosterItem
from services.reporting.http.xlsx import XLSX_MEDIA_TYPE
from tests.e2e.helpers import agreement, last_seq
from tests.e2e.test_evaluation_e2e import first_prison
from tests.spreadsheet import assert_same_rows, sheet

pytestmark = [pytest.mark.nats, pytest.mark.pg]
WINDOW = {"from": "2025-01-01", "to": "2026-10-31"}


async def download(stack, path, params, model, key):
    """The JSON rows and the XLSX of one report; asserts they match. Returns the XLSX response."""
    body = (await stack.http.get(path, params=params)).json()
    xlsx = await stack.http.get(path, params={**params, "format": "xlsx"})
    assert xlsx.status_code == 200 and xlsx.headers["content-type"] == XLSX_MEDIA_TYPE
    assert body[key]
    assert_same_rows(xlsx.content, body[key], model)
    return xlsx


def filename(response) -> str:
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment; filename=\"") and disposition.endswith("\"")
    return disposition.removeprefix("attachment; filename=\"")[:-1]


async def test_reports_download_as_xlsx_equal_to_their_json(stack, prison_id):
    program_id = await first_prison(stack, prison_id)
    await stack.caught_up(await last_seq(stack))
    evaluation = await download(stack, "/evaluation", {**WINDOW, "prison_id": prison_id},
                                EvaluationItem, "items")
    assert filename(evaluation) == f"pulih-evaluation-{prison_id}-2025-01-01_2026-10-31.xlsx"
    roster = await download(stack, f"/programs/{program_id}/participants", {}, RosterItem,
                            "items")
    assert filename(roster) == f"pulih-participants-{prison_id}-{program_id}.xlsx"
    audit = await download(stack, f"/audit/program/{program_id}", {}, AuditEvent, "events")
    assert filename(audit) == f"pulih-audit-program-{program_id}.xlsx"


PARTNER = {"id": "yayasan-rumah-damai", "name": "Yayasan Rumah Damai – Pendampingan Ñusa",
           "kind": "foundation"}
TITLE = "=HYPERLINK(\"http://x\";\"Kerja sama\")"  # formula-like text, as a signer might type


async def test_agreements_csv_with_a_bom_keeps_indonesian_text_and_formulas_as_text(
        stack, prison_id):
    await agreement(stack, prison_id, partner=PARTNER, title=TITLE)
    await stack.caught_up(await last_seq(stack))
    params = {"prison_id": prison_id, "format": "csv", "bom": "1"}
    response = await stack.http.get("/agreements", params=params)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert response.content.startswith(b"\xef\xbb\xbf")
    assert filename(response).startswith(f"pulih-agreements-{prison_id}-")
    header, row = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    written = dict(zip(header, row, strict=True))
    assert header == list(AgreementItem.model_fields)
    assert written["partner_name"] == PARTNER["name"] and written["title"] == "'" + TITLE
    xlsx = await download(stack, "/agreements", {"prison_id": prison_id}, AgreementItem,
                          "items")
    title = sheet(xlsx.content)["F2"]
    assert title.value == TITLE and title.data_type == "s" and title.quotePrefix
