"""Bearer tokens for the reports: the claims a token carries and how the service checks them.

A token is a JWT. Its claims:
- `prisons`: the prison ids (slugs) it covers, or `all: true`: every prison.
- `sub`: who holds it (`pulih auth token` writes `prison:P`, `region:NAME` or `all`);
  `region`: the region's name, on a region token (informative only).
- `iat`, `exp`: when it was issued and when it expires (both required).
- `iss`: `pulih` for Pulih's own tokens, signed with EdDSA (Ed25519) by `pulih auth token` and
  checked with `http-token.pub` from PULIH_NATS_CREDENTIALS. A token from any other issuer is
  checked against the key set at PULIH_HTTP_JWKS_URL (an OpenID Connect provider's JWKS) and
  must carry `aud` including `pulih`, so a token the provider issued for another application
  is refused; its prisons are read from the same `prisons` / `all` claims.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from services.reporting.http.access import (
    Access,
    InvalidToken,
    auth_required,
    open_access,
    required,
)
from services.reporting.http.models import SLUG
from shared.errors import Rejected
from shared.settings import Settings

ISSUER = AUDIENCE = "pulih"
PRISONS, ALL, REGION = "prisons", "all", "region"
PUBLIC_KEY_FILE, PRIVATE_KEY_FILE = "http-token.pub", "http-token.key"
OWN_ALGORITHM = "EdDSA"
# Public-key algorithms only: a key set's `oct` (HMAC) key is never trusted.
JWKS_ALGORITHMS = frozenset({"EdDSA", "ES256", "ES384", "ES512", "RS256", "RS384", "RS512",
                             "PS256", "PS384", "PS512"})
LEEWAY_SECONDS = 30  # clock skew between the machine that issued a token and this one
_REQUIRED = ["exp", "iat", "sub"]
_SLUG = re.compile(SLUG)
_REASONS: dict[type[Exception], str] = {
    jwt.ExpiredSignatureError: "the token has expired",
    jwt.ImmatureSignatureError: "the token is not valid yet",
    jwt.InvalidSignatureError: "the token is not signed by a trusted key",
    jwt.InvalidAlgorithmError: "the token is not signed by a trusted key",
    jwt.InvalidIssuerError: "the token is from an unknown issuer",
    jwt.InvalidAudienceError: "the token is not meant for pulih (`aud`)",
    jwt.MissingRequiredClaimError: "the token lacks a required claim (exp, iat, sub)",
    jwt.PyJWKClientError: "the token is not signed by a key of PULIH_HTTP_JWKS_URL",
}


def access_of(claims: dict[str, Any]) -> Access:
    """The prisons a verified token's claims cover."""
    if claims.get(ALL) is True:
        return Access()
    prisons = claims.get(PRISONS)
    if (isinstance(prisons, list) and prisons
            and all(isinstance(p, str) and _SLUG.fullmatch(p) for p in prisons)):
        return Access(frozenset(prisons))
    raise InvalidToken("the token names no prisons: it needs `prisons` (a list of prison "
                       "ids) or `all: true`")


class TokenVerifier:
    """Checks a token's signature, expiry and issuer; returns the prisons it covers."""

    def __init__(self, public_key: Ed25519PublicKey | None = None, jwks_url: str | None = None):
        if public_key is None and jwks_url is None:
            raise ValueError("a token verifier needs a public key or a JWKS URL")
        self._key = public_key
        # The key set is fetched once and kept 5 minutes; an unknown `kid` fetches it again.
        self._jwks = jwt.PyJWKClient(jwks_url, cache_keys=True, lifespan=300, timeout=5
                                     ) if jwks_url else None

    def __call__(self, token: str) -> Access:
        try:
            return access_of(self._claims(token))
        except jwt.PyJWKClientConnectionError:
            raise Rejected("unavailable", "the key set at PULIH_HTTP_JWKS_URL cannot be "
                                          "fetched; retry later") from None
        except jwt.PyJWTError as exc:
            reason = next((r for t, r in _REASONS.items() if isinstance(exc, t)),
                          "the token cannot be read")
            raise InvalidToken(reason) from None

    def _claims(self, token: str) -> dict[str, Any]:
        # The unverified issuer only chooses the key to check the token with.
        issuer = jwt.decode(token, options={"verify_signature": False}).get("iss")
        if issuer == ISSUER and self._key is not None:
            return jwt.decode(token, self._key, algorithms=[OWN_ALGORITHM], issuer=ISSUER,
                              leeway=LEEWAY_SECONDS, options={"require": [*_REQUIRED, "iss"]})
        if self._jwks is None:
            raise InvalidToken("the token is from an issuer this service does not trust")
        key = self._jwks.get_signing_key_from_jwt(token)
        if key.algorithm_name not in JWKS_ALGORITHMS:
            raise InvalidToken("the token is not signed by a trusted key")
        return jwt.decode(token, key.key, algorithms=[key.algorithm_name], audience=AUDIENCE,
                          leeway=LEEWAY_SECONDS, options={"require": [*_REQUIRED, "aud"]})


def load_public_key(directory: Path) -> Ed25519PublicKey:
    key = load_pem_public_key((directory / PUBLIC_KEY_FILE).read_bytes())
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError(f"{PUBLIC_KEY_FILE} is not an Ed25519 public key")
    return key


class NoTokenKey(RuntimeError):
    """Auth is on but nothing can verify a token."""


def authorizer(settings: Settings) -> Callable[[str | None], Access]:
    """What the reports check a request's token with, from the settings."""
    if not auth_required(settings):
        return open_access
    directory = settings.nats_credentials
    key = None
    if directory is not None and (directory / PUBLIC_KEY_FILE).exists():
        key = load_public_key(directory)
    if key is None and settings.http_jwks_url is None:
        raise NoTokenKey(
            "PULIH_HTTP_AUTH is on (the default when PULIH_HTTP_HOST is not a loopback "
            f"address) but no key can check a token: create {PUBLIC_KEY_FILE} with "
            "`pulih auth token DIR …` (or `pulih auth init DIR …`) and set "
            "PULIH_NATS_CREDENTIALS=DIR, or set PULIH_HTTP_JWKS_URL, or PULIH_HTTP_AUTH=off")
    return required(TokenVerifier(key, settings.http_jwks_url))
