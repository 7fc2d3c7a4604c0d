"""Sign-in and sign-out, the static files (the dashboard's own, plotly.js and Swagger UI, each
served from its installed package: no page loads anything from another host), and `/docs`
with those Swagger UI files instead of FastAPI's CDN links."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import plotly
import swagger_ui
from fastapi import APIRouter, FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from starlette.exceptions import HTTPException
from starlette.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.staticfiles import StaticFiles

from services.reporting.dashboard.i18n import choose, words
from services.reporting.dashboard.page import TEMPLATES, LangQuery, SignInNeeded
from services.reporting.http.access import TOKEN_COOKIE
from shared.errors import Rejected

PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
SWAGGER = Path(swagger_ui.__file__).parent / "static"  # Swagger UI 5: reads OpenAPI 3.1
OWN = Path(__file__).parent / "static"
MAX_FORM = 16_384  # a token is a few hundred bytes

router = APIRouter()


def _form(lang: str, error: str | None = None, status: int = 200) -> HTMLResponse:
    w = words(lang)
    return HTMLResponse(TEMPLATES.get_template("signin.html").render(w=w, lang=lang,
                                                                     error=error),
                        status_code=status)


@router.get("/signin", response_class=HTMLResponse, include_in_schema=False)
async def signin_form(request: Request, lang: LangQuery = None) -> HTMLResponse:
    return _form(choose(request, lang))


def _same_site(request: Request) -> None:
    """A form posted from another site (its `Origin`) is refused: no one can sign a reader in
    with their own token, or out, from elsewhere."""
    origin = request.headers.get("origin")
    if origin is not None and urlsplit(origin).netloc != request.headers.get("host"):
        raise Rejected("forbidden", "sign-in and sign-out are only posted from this site")


@router.post("/signin", include_in_schema=False)
async def signin(request: Request) -> Response:
    """Checks the token as every report does, then keeps it in an HttpOnly, SameSite=Strict
    cookie (Secure over https): a page's script never reads it, another site never sends it."""
    _same_site(request)
    lang = choose(request, None)
    body = await request.body()
    token = parse_qs(body[:MAX_FORM].decode(errors="replace")).get("token", [""])[0].strip()
    try:
        request.app.state.authorize(token or None)
    except HTTPException:
        return _form(lang, words(lang)["bad_token"], 401)
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(TOKEN_COOKIE, token, httponly=True, samesite="strict",
                        secure=request.url.scheme == "https", path="/")
    return response


@router.post("/signout", include_in_schema=False)
async def signout(request: Request) -> Response:
    _same_site(request)
    response = RedirectResponse("/signin", status_code=303)
    response.delete_cookie(TOKEN_COOKIE, path="/", httponly=True, samesite="strict")
    return response


@router.get("/static/plotly.min.js", include_in_schema=False)
async def plotly_js() -> FileResponse:
    return FileResponse(PLOTLY_JS, media_type="text/javascript")


def install(app: FastAPI) -> None:
    """The dashboard's routes, static files and offline `/docs` (create the app with
    docs_url=None and redoc_url=None: ReDoc has no packaged copy, so it is left out)."""
    from services.reporting.dashboard import pathway, program, region

    for r in (router, region.router, program.router, pathway.router):
        app.include_router(r)
    app.mount("/static/dashboard", StaticFiles(directory=OWN), name="dashboard")
    app.mount("/static/swagger", StaticFiles(directory=SWAGGER), name="swagger")

    @app.exception_handler(SignInNeeded)
    async def to_signin(request: Request, exc: SignInNeeded) -> Response:
        return RedirectResponse("/signin", status_code=303)

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json", title=f"{app.title} — API",
            swagger_js_url="/static/swagger/swagger-ui-bundle.js",
            swagger_css_url="/static/swagger/swagger-ui.css",
            swagger_favicon_url="/static/swagger/favicon-32x32.png",
            # No badge from the public validator: nothing leaves the reader's machine.
            swagger_ui_parameters={"validatorUrl": None})
