"""The XLSX writer alone: typed cells read back with openpyxl, formula-like text kept as text,
the header frozen, column widths that fit."""

from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest
from pydantic import BaseModel

from services.reporting.http.xlsx import MAX_WIDTH, to_xlsx
from tests.spreadsheet import assert_same_rows, sheet


class Every(BaseModel):
    text: str
    count: int
    rate: float | None
    day: date | None
    flag: bool
    nested: dict[str, Any]
    listed: list[str]


ROWS = [
    {"text": "Pelatihan kerja – Banyuwangi", "count": -3, "rate": 2 / 3, "day": "2025-01-31",
     "flag": True, "nested": {"ASSIST": -7.333333333333333}, "listed": ["a", "=b"]},
    {"text": "", "count": 0, "rate": None, "day": None, "flag": False, "nested": {},
     "listed": []},
    {"text": "x", "count": 12, "rate": 1, "day": date(2026, 4, 1), "flag": False,
     "nested": {"-a": 1}, "listed": ["-"]},  # a float field's 1 is a float
]


def _json(row: dict[str, Any]) -> dict[str, Any]:
    return Every.model_validate(row).model_dump(mode="json")


def test_every_type_reads_back_as_the_json_rows():
    body = to_xlsx(ROWS, Every, sheet="every")
    page = assert_same_rows(body, [_json(r) for r in ROWS], Every)
    assert page.title == "every"
    assert page.auto_filter.ref == "A1:G4"
    assert [c.font.b for c in page[1]] == [True] * 7
    assert page["C4"].value == 1 and page["C4"].number_format == "0.0###"
    assert page["B2"].value == -3 and page["B2"].number_format == "0"  # a negative number


@pytest.mark.parametrize("text", ["=1+2", "+62 812", "-x", "@SUM(A1:A2)", "\tTab", "\rCR",
                                  "=HYPERLINK(\"http://x\")", "-", "-5",
                                  "=cmd|' /C calc'!A0"])
def test_text_that_starts_like_a_formula_is_a_text_cell_with_the_quote_prefix(text):
    row = {**ROWS[1], "text": text}
    page = assert_same_rows(to_xlsx([row], Every, "t"), [_json(row)], Every)
    assert page["A2"].data_type == "s" and page["A2"].quotePrefix
    assert not any(c.data_type == "f" for c in page[2])


@pytest.mark.parametrize("text", ["a=b", "PKS/01/2024", "Yayasan", "2025-01-01", "12"])
def test_other_text_is_plain_text_not_a_number_nor_a_date(text):
    page = sheet(to_xlsx([{**ROWS[1], "text": text}], Every, "t"))
    assert page["A2"].value == text and page["A2"].data_type == "s"
    assert not page["A2"].quotePrefix


class Stamped(BaseModel):
    at: datetime


def test_a_datetime_is_an_excel_date_time_in_utc():
    wib = timezone(timedelta(hours=7))
    page = sheet(to_xlsx([{"at": datetime(2025, 3, 10, 9, 30, tzinfo=wib)}], Stamped, "s"))
    assert page["A2"].value == datetime(2025, 3, 10, 2, 30)
    assert page["A2"].number_format == "yyyy-mm-dd hh:mm:ss"


def test_columns_fit_their_longest_value_within_a_cap_and_the_header_stays_put():
    long = {**ROWS[0], "text": "x" * 500}
    page = sheet(to_xlsx([long, ROWS[1]], Every, "w"))
    widths = {k: d.width for k, d in page.column_dimensions.items()}
    assert widths["A"] == pytest.approx(MAX_WIDTH, abs=1)
    assert widths["D"] >= len("yyyy-mm-dd")
    assert page.freeze_panes == "A2"


def test_no_rows_is_a_header_only_sheet_and_a_long_name_is_cut_to_excels_limit():
    page = assert_same_rows(to_xlsx([], Every, "r" * 40), [], Every)
    assert page.title == "r" * 31
