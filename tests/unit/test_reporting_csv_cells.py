"""CSV cells a spreadsheet would read as a formula are written as text; numbers stay numbers."""

import csv
import io

import pytest

from services.reporting.http.tabular import cell, to_csv
from tests.unit.test_reporting_app import ITEM, FakeDeps, client


@pytest.mark.parametrize("text", ["=1+2", "+62 812", "-x", "@SUM(A1:A2)", "\tTab", "\rCR",
                                  "=HYPERLINK(\"http://x\")", "-", "-5"])
def test_text_that_starts_like_a_formula_is_quoted(text):
    assert cell(text) == "'" + text


@pytest.mark.parametrize(("value", "written"), [
    (-5, "-5"), (-0.25, "-0.25"), (3, "3"), (0.5, "0.5"), ("a=b", "a=b"), ("PKS/01", "PKS/01"),
    ("", ""), (None, ""), (True, "true"), (["=x"], '["=x"]'), ({"-a": 1}, '{"-a":1}')])
def test_numbers_and_other_cells_are_unchanged(value, written):
    assert cell(value) == written


def test_a_row_keeps_negative_numbers_and_quotes_formula_text():
    rows = list(csv.reader(io.StringIO(to_csv([{"t": "=cmd|' /C calc'!A0", "n": -7.5}],
                                              ("t", "n")))))
    assert rows == [["t", "n"], ["'=cmd|' /C calc'!A0", "-7.5"]]


class Formulae(FakeDeps):
    async def agreements(self, schema, today, prison_id, partner_id, status):
        return [{**ITEM, "title": "=WEBSERVICE(\"http://evil\")", "partner_name": "@Yayasan",
                 "number": "-1", "days_left": -0}]


async def test_the_agreements_csv_writes_formula_like_text_as_text():
    async with client(Formulae()) as http:
        response = await http.get("/agreements", params={"format": "csv"})
    header, row = list(csv.reader(io.StringIO(response.text)))
    written = dict(zip(header, row, strict=True))
    assert written["title"] == "'=WEBSERVICE(\"http://evil\")"
    assert written["partner_name"] == "'@Yayasan"
    assert written["number"] == "'-1"
    assert written["days_left"] == "0"
