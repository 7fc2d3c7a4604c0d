"""What every dashboard page shares: who reads it (the token in the sign-in cookie or the
bearer header, checked as every report checks it), the read-model point, the language, the
filters and the data's freshness, and rendering a template into a response."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

import orjson
from fastapi import Query, Request
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.exceptions import HTTPException
from starlette.responses import HTMLResponse

from services.reporting.dashboard.i18n import LANG_COOKIE, choose, words
from services.reporting.dashboard.tables import Table, number
from services.reporting.http.access import TOKEN_COOKIE, Access, request_token
from services.reporting.http.models import SLUG
from services.reporting.http.params import PrisonQuery
from services.reporting.read.asof import Point
from services.reporting.read.port import ReadModel

TEMPLATES = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                        autoescape=select_autoescape(["html"]), trim_blocks=True,
                        lstrip_blocks=True)
YEAR_SECONDS = 365 * 24 * 3600

LangQuery = Annotated[str | None, Query(pattern="^(id|en)$", description="id or en.")]
PartnerQuery = Annotated[str | None, Query(pattern=SLUG, description="Only this partner.")]


class SignInNeeded(Exception):
    """Auth is on and the request carries no valid token: the page sends it to /signin."""


@dataclass
class Page:
    request: Request
    lang: str
    access: Access
    point: Point
    health: dict[str, Any]
    filters: dict[str, Any] = field(default_factory=dict)

    @classmethod
    async def open(cls, request: Request, lang: str | None) -> Page:
        try:
            access = request.app.state.authorize(request_token(request, None))
        except HTTPException as exc:
            if exc.status_code == 401:
                raise SignInNeeded from None
            raise
        point = (await request.app.state.resolve_point(None)).found()
        return cls(request, choose(request, lang), access, point, await reads(request).health())

    def window_query(self, start: date | None, end: date | None, **more: Any) -> dict[str, Any]:
        """The report filters these pages pass on (and show in the filter form)."""
        self.filters.update({"from": start, "to": end, **more})
        return {"from": start and start.isoformat(), "to": end and end.isoformat(), **more}

    def freshness(self) -> dict[str, Any]:
        lags = [p["lag"] for p in self.health["projections"].values()]
        return {"lag": max(lags, default=0), "stream_last_seq": self.health["stream_last_seq"]}

    def render_words(self) -> dict[str, str]:
        return words(self.lang)

    def render(self, template: str, **context: Any) -> HTMLResponse:
        w = words(self.lang)
        other = "en" if self.lang == "id" else "id"
        query = {k: v for k, v in self.request.query_params.items() if k != "lang"}
        body = TEMPLATES.get_template(template).render(
            w=w, lang=self.lang, filters=self.filters, fresh=self.freshness(),
            switch=f"{self.request.url.path}?{urlencode({**query, 'lang': other})}",
            signed_in=self.access.prisons is not None or TOKEN_COOKIE in self.request.cookies,
            num=lambda v, d=0: number(v, self.lang, d), **context)
        response = HTMLResponse(body)
        response.headers["Cache-Control"] = "no-store"
        if self.request.query_params.get("lang") == self.lang:
            response.set_cookie(LANG_COOKIE, self.lang, max_age=YEAR_SECONDS, httponly=True,
                                samesite="strict", secure=self.request.url.scheme == "https")
        return response


def reads(request: Request) -> ReadModel:
    return request.app.state.reads


def charts_json(charts: list[dict[str, Any]]) -> str:
    """The charts' data for dashboard.js, safe inside a <script type="application/json">."""
    return orjson.dumps(charts).decode().replace("</", "<\\/")


__all__ = ["Page", "PrisonQuery", "SignInNeeded", "Table", "charts_json", "reads"]
