"""The dashboard's sign-in over the hand-written fakes: a page without a token goes to
/signin; a valid token becomes an HttpOnly, SameSite=Strict cookie that every report accepts
as it accepts the bearer header; a bad token or another site's form is refused; the pages,
/docs and their scripts name no other host."""

import re

from ops.tokens import issue_token, scope_of
from services.reporting.http.access import TOKEN_COOKIE
from tests.unit.test_reporting_access import DAY, KEY, A, ScopedFake, client, refused

FORM = {"content-type": "application/x-www-form-urlencoded"}


def token() -> str:
    return issue_token(KEY, scope_of(A), DAY)


async def test_a_page_without_a_token_goes_to_signin():
    async with client(ScopedFake()) as http:
        response = await http.get("/")
        assert response.status_code == 303 and response.headers["location"] == "/signin"
        form = await http.get("/signin")
        assert form.status_code == 200 and 'name="token"' in form.text


async def test_a_valid_token_becomes_a_strict_httponly_cookie_the_reports_accept():
    fake = ScopedFake()
    async with client(fake) as http:
        response = await http.post("/signin", content=f"token={token()}", headers=FORM)
        assert response.status_code == 303 and response.headers["location"] == "/"
        cookie = response.headers["set-cookie"]
        assert cookie.startswith(f"{TOKEN_COOKIE}=") and "HttpOnly" in cookie
        assert "SameSite=strict" in cookie and "Secure" not in cookie  # plain http here
        report = await http.get("/agreements")  # the cookie, no Authorization header
        assert report.status_code == 200 and fake.prisons[-1] == [A]
        out = await http.post("/signout")
        assert out.status_code == 303 and f'{TOKEN_COOKIE}=""' in out.headers["set-cookie"]
        assert (await http.get("/agreements")).status_code == 401


async def test_a_bad_token_or_another_sites_form_is_refused():
    async with client(ScopedFake()) as http:
        bad = await http.post("/signin", content="token=nonsense", headers=FORM)
        assert bad.status_code == 401 and "set-cookie" not in bad.headers
        elsewhere = await http.post("/signin", content=f"token={token()}",
                                    headers={**FORM, "origin": "https://evil.example"})
        refused(elsewhere, 403, "forbidden")
        assert "set-cookie" not in elsewhere.headers


async def test_docs_and_pages_name_no_other_host():
    async with client(ScopedFake()) as http:
        for path in ("/docs", "/signin"):
            page = (await http.get(path)).text
            assert not re.search(r"(src|href)=[\"']?(https?:)?//", page), path
        script = await http.get("/static/plotly.min.js")
        assert script.status_code == 200 and len(script.content) > 1_000_000
        swagger = await http.get("/static/swagger/swagger-ui-bundle.js")
        assert swagger.status_code == 200
