"""A report's body in the format asked for: JSON, or a CSV or XLSX file to download, named
`pulih-{report}-{parts}.{csv|xlsx}` in a `Content-Disposition: attachment` header."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import orjson
from pydantic import BaseModel
from starlette.responses import Response

from services.reporting.http.models import Format
from services.reporting.http.tabular import CSV_MEDIA_TYPE, csv_response
from services.reporting.http.xlsx import XLSX_MEDIA_TYPE, to_xlsx

Rows = Iterable[Mapping[str, Any]]
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def period(from_: date | None, to: date) -> str:
    """A window in a file name: `2025-01-01_2025-12-31`, or `to-2025-12-31` from the start."""
    return f"{from_.isoformat()}_{to.isoformat()}" if from_ else f"to-{to.isoformat()}"


def file_name(parts: Sequence[object], extension: str) -> str:
    """`pulih-` and the parts given (None left out) joined by `-`, each reduced to file-name-safe
    ASCII, then the extension."""
    given = (_UNSAFE.sub("-", str(p)) for p in parts if p is not None)
    return "pulih-" + "-".join(given) + "." + extension


@dataclass(frozen=True)
class Output:
    """`?format=` and `?bom=` of a request. `parts` name the file: the report first (also the
    XLSX sheet's name), then what the rows are of (filters given, the day or window)."""

    format: Format = "json"
    bom: bool = False

    def file(self, rows: Rows, model: type[BaseModel], parts: Sequence[object]) -> Response:
        name = file_name(parts, self.format)
        headers = {"Content-Disposition": f'attachment; filename="{name}"'}
        if self.format == "xlsx":
            body = to_xlsx(rows, model, sheet=str(parts[0]))
            return Response(body, media_type=XLSX_MEDIA_TYPE, headers=headers)
        return csv_response(rows, tuple(model.model_fields), self.bom, headers)

    def listed(self, items: list[dict[str, Any]], model: type[BaseModel],
               parts: Sequence[object], *, exact: bool = False) -> Any:
        """A list report's body: `{"items": …}`, or its rows as a file. `exact`: the items are
        already the model's, field for field and in its order, with JSON-native values (the
        read functions' tests check it), so orjson writes the body without FastAPI's validation
        and serialisation — ~0.15 s of 4,000 `/evaluation` rows (issue 15)."""
        if self.format != "json":
            return self.file(items, model, parts)
        if exact:
            return Response(orjson.dumps({"items": items}), media_type="application/json")
        return {"items": items}


# OpenAPI: the file alternatives of a report's 200 response.
FILE_CONTENT: dict[str, Any] = {
    CSV_MEDIA_TYPE.split(";")[0]: {"schema": {"type": "string"}},
    XLSX_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}},
}
