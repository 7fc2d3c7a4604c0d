"""XLSX output for every report: one sheet, the same rows and columns as the CSV, typed cells.

Each row is read through the report's response model (as the JSON body is), so a cell's type is
the field's: dates are Excel dates (`yyyy-mm-dd`), integers numbers shown `0`, floats numbers
shown `0.0###` (the stored value is the full double), booleans booleans, null an empty cell,
objects and lists compact JSON text (as in the CSV). Text that a spreadsheet would read as a
formula (starting `=`, `+`, `-`, `@`, tab, CR) is a text cell with Excel's quote prefix: shown
and kept as text, even when edited. A header row in bold, frozen, with an autofilter; column
widths fit the longest shown value (capped)."""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

import orjson
import xlsxwriter
from pydantic import BaseModel

from services.reporting.http.tabular import FORMULA_STARTS

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = {"header": {"bold": True, "bottom": 1}, "int": {"num_format": "0"},
           "float": {"num_format": "0.0###"}, "date": {"num_format": "yyyy-mm-dd"},
           "datetime": {"num_format": "yyyy-mm-dd hh:mm:ss"},
           "formula_text": {"quote_prefix": True}}
MIN_WIDTH, MAX_WIDTH = 6, 60
SHEET_NAME_MAX = 31  # Excel's limit


def typed(model: type[BaseModel], row: Mapping[str, Any]) -> dict[str, Any]:
    """The row as the response model reads it: dates as dates, a float field's 1 as 1.0."""
    return model.model_validate(row).model_dump(mode="python")


def _kind(value: Any) -> tuple[str, Any]:
    """(how to write, what to write) of one value."""
    if value is None:
        return "blank", None
    if isinstance(value, bool):
        return "bool", value
    if isinstance(value, int):
        return "int", value
    if isinstance(value, float):
        return "float", value
    if isinstance(value, datetime):  # Excel has no zones: UTC
        naive = value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
        return "datetime", naive
    if isinstance(value, date):
        return "date", value
    if isinstance(value, list | tuple | dict):
        return "text", orjson.dumps(value).decode()
    text = str(value)
    return ("formula_text" if text.startswith(FORMULA_STARTS) else "text"), text


def _shown_width(kind: str, value: Any) -> int:
    if kind in ("date", "datetime"):
        return 10 if kind == "date" else 19
    if kind == "float":
        return min(len(f"{value:.4f}"), 16)
    return max((len(line) for line in str(value).splitlines()), default=0)


def to_xlsx(rows: Iterable[Mapping[str, Any]], model: type[BaseModel], sheet: str) -> bytes:
    """A workbook of one sheet named `sheet`: the header (the model's fields, the CSV's
    columns), then one row per item, typed by the model."""
    columns: Sequence[str] = tuple(model.model_fields)
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})  # text: write_string, never write
    formats = {name: book.add_format(props) for name, props in FORMATS.items()}
    page = book.add_worksheet(sheet[:SHEET_NAME_MAX])
    widths = [len(name) for name in columns]
    for col, name in enumerate(columns):
        page.write_string(0, col, name, formats["header"])
    last = 0
    for last, row in enumerate((typed(model, r) for r in rows), start=1):
        for col, name in enumerate(columns):
            kind, value = _kind(row.get(name))
            widths[col] = max(widths[col], _shown_width(kind, value) if value is not None else 0)
            _write(page, formats, last, col, kind, value)
    page.freeze_panes(1, 0)
    page.autofilter(0, 0, last, len(columns) - 1)
    for col, width in enumerate(widths):
        page.set_column(col, col, min(max(width + 2, MIN_WIDTH), MAX_WIDTH))
    book.close()
    return out.getvalue()


def _write(page: Any, formats: dict[str, Any], row: int, col: int, kind: str, value: Any) -> None:
    if kind == "blank":
        return
    if kind == "bool":
        page.write_boolean(row, col, value)
    elif kind in ("int", "float"):
        page.write_number(row, col, value, formats[kind])
    elif kind in ("date", "datetime"):
        page.write_datetime(row, col, value, formats[kind])
    else:  # text: never a formula, whatever it starts with
        page.write_string(row, col, value, formats.get(kind))
