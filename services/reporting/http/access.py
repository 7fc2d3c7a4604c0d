"""Who may read which prison's rows: the bearer token a request carries, as an `Access`.

Every route but `/health` takes an `Allowed` parameter. With auth off (the default when the
reports are bound to a loopback address) every request may read every prison; with auth on, a
request without a valid token is answered 401 before the route reads anything, and a route
answers 403 `forbidden` for a `prison_id` or an id of a prison its token does not cover.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.exceptions import HTTPException

from shared.errors import Detail, Rejected
from shared.settings import Settings

T = TypeVar("T")


class InvalidToken(Exception):
    """A token that is missing, malformed, expired or not signed by a trusted key: 401. The
    message says which, never the token."""


@dataclass(frozen=True)
class Access:
    """The prisons a request may read; `prisons` None: every prison."""

    prisons: frozenset[str] | None = None

    def allows(self, prison_id: str) -> bool:
        return self.prisons is None or prison_id in self.prisons

    def check(self, prison_id: str | None) -> None:
        """403 `forbidden` when the request names a prison the token does not cover."""
        if prison_id is not None and not self.allows(prison_id):
            message = "your token does not cover this prison"
            raise Rejected("forbidden", message, [Detail("prison_id", message)])

    def rows(self) -> dict[str, Any]:
        """The port's keyword filtering a list to these prisons (in SQL); nothing for every
        prison, so the port's default reads them all."""
        return {} if self.prisons is None else {"prisons": sorted(self.prisons)}

    def visible(self, found: Sequence[T], prison_of: Callable[[T], str], what: str
                ) -> Sequence[T]:
        """What of `found` (one id's rows, in every prison that has it) this token covers:
        403 `forbidden` when the id exists only in prisons it does not cover."""
        mine = [item for item in found if self.allows(prison_of(item))]
        if found and not mine:
            raise Rejected("forbidden", f"this {what} belongs to a prison your token does "
                                        "not cover")
        return mine


EVERY_PRISON = Access()


def open_access(token: str | None) -> Access:
    """Auth off: every request reads every prison, whatever it carries."""
    return EVERY_PRISON


def required(verify: Callable[[str], Access]) -> Callable[[str | None], Access]:
    """Auth on: a request's access is what its token, verified by `verify`, covers."""

    def authorize(token: str | None) -> Access:
        if not token:
            raise unauthenticated("a bearer token is required: Authorization: Bearer TOKEN")
        try:
            return verify(token)
        except InvalidToken as exc:
            raise unauthenticated(str(exc), error="invalid_token") from None

    return authorize


def unauthenticated(message: str, error: str | None = None) -> HTTPException:
    """401 with the error body (code `unauthenticated`) and RFC 6750's challenge."""
    challenge = 'Bearer realm="pulih"' + (f', error="{error}"' if error else "")
    return HTTPException(401, message, headers={"WWW-Authenticate": challenge})


def auth_required(settings: Settings) -> bool:
    """PULIH_HTTP_AUTH, defaulting to on unless the reports listen on a loopback address."""
    if settings.http_auth is not None:
        return settings.http_auth
    return not _loopback(settings.http_host)


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # a host name: it may resolve to anything
        return False


BEARER = HTTPBearer(
    scheme_name="bearer", bearerFormat="JWT", auto_error=False,
    description="A token from `pulih auth token DIR (--prison P | --region NAME=P1,P2 | "
    "--all)` (EdDSA-signed JWT; claims `prisons` or `all`, `sub`, `iat`, `exp`, `iss: pulih`), "
    "or from the OpenID Connect provider whose key set PULIH_HTTP_JWKS_URL names (`aud` must "
    "include `pulih`). Needed on every route but `/health` unless PULIH_HTTP_AUTH is off (the "
    "default when the reports listen on a loopback address).")


# The dashboard's sign-in keeps the token in this cookie (HttpOnly, SameSite=Strict): every
# report reads it when no bearer header is given. The reports are GET-only and the cookie is
# never sent by another site's request, so it opens no cross-site request forgery.
TOKEN_COOKIE = "pulih_token"


def request_token(request: Request, credentials: HTTPAuthorizationCredentials | None
                  ) -> str | None:
    """The bearer header's token, else the sign-in cookie's."""
    return credentials.credentials if credentials else request.cookies.get(TOKEN_COOKIE)


# Sync: FastAPI runs it in a worker thread, where fetching a JWKS may block.
def _access(request: Request, credentials: Annotated[
        HTTPAuthorizationCredentials | None, Depends(BEARER)]) -> Access:
    return request.app.state.authorize(request_token(request, credentials))


Allowed = Annotated[Access, Depends(_access)]
