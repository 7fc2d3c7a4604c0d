"""CSV output for the reports: the same rows as the JSON items, with a header line."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

import orjson
from starlette.responses import Response

CSV_MEDIA_TYPE = "text/csv; charset=utf-8"


# A spreadsheet reads a cell starting with one of these as a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> str:
    """One CSV cell: null is empty, booleans are JSON, lists and objects are compact JSON.

    Text that starts like a formula gets a leading `'`, which a spreadsheet shows as text and
    hides; numbers (negative ones too) are written as they are, so they stay numbers."""
    if value is None:
        return ""
    if isinstance(value, bool | list | tuple | dict):
        return orjson.dumps(value).decode()
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return str(value)


def to_csv(rows: Iterable[Mapping[str, Any]], columns: Sequence[str]) -> str:
    """RFC 4180 text: a header of `columns` (the item keys), then one line per row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    writer.writerows([cell(row.get(c)) for c in columns] for row in rows)
    return out.getvalue()


# A UTF-8 byte-order mark: Excel reads a CSV without one in the machine's legacy code page.
BOM = "\ufeff"


def csv_response(rows: Iterable[Mapping[str, Any]], columns: Sequence[str], bom: bool = False,
                 headers: Mapping[str, str] | None = None) -> Response:
    body = (BOM if bom else "") + to_csv(rows, columns)
    return Response(body, media_type=CSV_MEDIA_TYPE, headers=headers)
