"""Reads an XLSX download back with openpyxl and compares it with the JSON rows, types included:
a date field is an Excel date, an int field an integer shown `0`, a float field a number shown
`0.0###`, a boolean a boolean, null an empty cell, an object or list its compact JSON text."""

from __future__ import annotations

import io
import json
import re
import types
import typing
from datetime import date, datetime
from typing import Any

import openpyxl
import pytest
from pydantic import BaseModel

# OOXML escapes control characters as _xHHHH_; Excel decodes them, openpyxl does not.
_ESCAPED = re.compile(r"_x([0-9A-F]{4})_")


def sheet(body: bytes) -> Any:
    book = openpyxl.load_workbook(io.BytesIO(body))
    assert len(book.worksheets) == 1
    return book.worksheets[0]


def _accepts(annotation: Any, kind: type) -> bool:
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return any(_accepts(a, kind) for a in typing.get_args(annotation))
    return annotation is kind


def assert_cell(cell: Any, value: Any, annotation: Any) -> None:
    """One cell against its JSON value and the field's type."""
    if value is None:
        assert cell.value is None
    elif _accepts(annotation, date):
        assert isinstance(cell.value, datetime) and cell.value.time().isoformat() == "00:00:00"
        assert cell.number_format == "yyyy-mm-dd"
        assert cell.value.date() == date.fromisoformat(value)
    elif isinstance(value, bool):
        assert cell.value is value
    elif isinstance(value, int) and not _accepts(annotation, float):
        assert type(cell.value) is int and cell.value == value
        assert cell.number_format == "0"
    elif isinstance(value, int | float):
        # XLSX keeps 16 significant digits (Excel shows 15): one number type, the float's
        # shown with decimals.
        assert isinstance(cell.value, int | float) and not isinstance(cell.value, bool)
        assert cell.value == pytest.approx(value, rel=1e-15, abs=0)
        assert cell.number_format == "0.0###"
    elif isinstance(value, dict | list):
        assert isinstance(cell.value, str) and json.loads(cell.value) == value
    else:
        assert isinstance(cell.value, str)
        assert _ESCAPED.sub(lambda m: chr(int(m[1], 16)), cell.value) == value


def assert_same_rows(body: bytes, items: list[dict[str, Any]], model: type[BaseModel]) -> Any:
    """The workbook holds a header of the model's fields (the CSV's columns), frozen, then one
    row per JSON item, cell for cell. Returns the sheet."""
    page = sheet(body)
    columns = list(model.model_fields)
    rows = list(page.iter_rows())
    assert [c.value for c in rows[0]] == columns
    assert page.freeze_panes == "A2"
    assert len(rows) == 1 + len(items)
    for row, item in zip(rows[1:], items, strict=True):
        assert list(item) == columns
        for cell, name in zip(row, columns, strict=True):
            assert_cell(cell, item[name], model.model_fields[name].annotation)
    return page
