"""Issuing and checking report tokens: `pulih auth token`, the key files, the settings that turn
auth on, and tokens of an OpenID Connect provider checked against its key set (served here by a
small local HTTP server)."""

import json
import stat
import subprocess
import sys
import threading
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from ops import cli
from ops.tokens import duration, ensure_token_key, issue_token, region, scope_of
from services.reporting.http.access import Access, InvalidToken, auth_required, open_access
from services.reporting.http.tokens import NoTokenKey, TokenVerifier, authorizer
from shared.errors import Rejected
from shared.settings import Settings, SettingsError

A, B = "lapas-banyuwangi", "lapas-jember"


@pytest.mark.parametrize(("env", "on"), [
    ({}, False), ({"PULIH_HTTP_HOST": "::1"}, False), ({"PULIH_HTTP_HOST": "localhost"}, False),
    ({"PULIH_HTTP_HOST": "0.0.0.0"}, True), ({"PULIH_HTTP_HOST": "reports.example"}, True),
    ({"PULIH_HTTP_HOST": "0.0.0.0", "PULIH_HTTP_AUTH": "off"}, False),
    ({"PULIH_HTTP_AUTH": "on"}, True)])
def test_auth_is_on_unless_the_reports_listen_on_loopback(env, on):
    assert auth_required(Settings.from_env(env)) is on


def test_the_new_variables_are_read_and_a_bad_switch_is_named():
    settings = Settings.from_env({"PULIH_NATS_CREDENTIALS": "creds", "PULIH_HTTP_AUTH": "on",
                                  "PULIH_HTTP_JWKS_URL": "https://idp.example/jwks"})
    assert (str(settings.nats_credentials), settings.http_auth, settings.http_jwks_url) == (
        "creds", True, "https://idp.example/jwks")
    with pytest.raises(SettingsError, match="PULIH_HTTP_AUTH must be on or off, got 'maybe'"):
        Settings.from_env({"PULIH_HTTP_AUTH": "maybe"})


def test_the_key_is_created_once_private_and_kept(tmp_path):
    key = ensure_token_key(tmp_path / "creds")
    private = tmp_path / "creds" / "http-token.key"
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert (tmp_path / "creds" / "http-token.pub").read_text().startswith("-----BEGIN PUBLIC")
    again = ensure_token_key(tmp_path / "creds")
    assert again.private_bytes_raw() == key.private_bytes_raw()


def test_pulih_auth_token_prints_a_token_the_service_accepts(tmp_path):
    creds = tmp_path / "creds"
    done = subprocess.run([sys.executable, "-m", "ops.cli", "auth", "token", str(creds),
                           "--region", f"jatim={B},{A}", "--ttl", "12h"],
                          capture_output=True, text=True, timeout=60, check=True)
    token = done.stdout.strip()
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["iss"] == "pulih" and claims["sub"] == "region:jatim"
    assert claims["prisons"] == [A, B] and claims["exp"] - claims["iat"] == 12 * 3600
    settings = replace(Settings(), http_auth=True, nats_credentials=creds)
    assert authorizer(settings)(token) == Access(frozenset({A, B}))


@pytest.mark.parametrize("args", [["--prison", "Bad Slug"], ["--region", "jatim"],
                                  ["--all", "--ttl", "7 days"], []])
def test_pulih_auth_token_refuses_bad_arguments(tmp_path, args):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["auth", "token", str(tmp_path), *args])
    assert exit_.value.code == 2
    assert not (tmp_path / "http-token.key").exists()


def test_durations_and_regions():
    assert duration("90s") == timedelta(seconds=90) and duration("2w") == timedelta(days=14)
    assert region(f"jatim={A}, {B}") == ("jatim", [A, B])
    assert scope_of(every=True) == {"sub": "all", "all": True}


def test_auth_off_needs_no_key_and_on_without_one_refuses_to_start(tmp_path):
    assert authorizer(Settings()) is open_access
    with pytest.raises(NoTokenKey, match="PULIH_HTTP_AUTH is on"):
        authorizer(replace(Settings(), http_auth=True, nats_credentials=tmp_path))


# An OpenID Connect provider: an RSA key set, tokens for audience `pulih`.
PROVIDER = rsa.generate_private_key(public_exponent=65537, key_size=2048)
JWK = {**jwt.algorithms.RSAAlgorithm.to_jwk(PROVIDER.public_key(), as_dict=True),
       "kid": "k1", "use": "sig", "alg": "RS256"}


@contextmanager
def key_set_server(keys):
    """Serves `{"keys": keys}` on a free local port; yields (url, the number of fetches)."""
    fetches = [0]

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            fetches[0] += 1
            body = json.dumps({"keys": keys}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/jwks", fetches
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def provider_token(aud=("pulih", "account"), kid="k1", **claims) -> str:
    now = int(datetime.now(UTC).timestamp())
    body = {"iss": "https://idp.example/realms/kanwil", "sub": "user-7", "aud": list(aud),
            "iat": now, "exp": now + 300, "prisons": [A], **claims}
    return jwt.encode(body, PROVIDER, algorithm="RS256", headers={"kid": kid})


def test_a_provider_token_is_checked_against_its_key_set_fetched_once():
    with key_set_server([JWK]) as (url, fetches):
        verify = TokenVerifier(jwks_url=url)
        assert verify(provider_token()) == Access(frozenset({A}))
        assert verify(provider_token(prisons=None, all=True)) == Access()
        assert fetches[0] == 1
        with pytest.raises(InvalidToken, match="not meant for pulih"):
            verify(provider_token(aud=["another-app"]))
        with pytest.raises(InvalidToken, match="PULIH_HTTP_JWKS_URL"):
            verify(provider_token(kid="unknown"))
        forged = jwt.encode({"iss": "https://idp.example", "sub": "x", "aud": "pulih",
                             "iat": 1, "exp": 2**31, "all": True},
                            rsa.generate_private_key(public_exponent=65537, key_size=2048),
                            algorithm="RS256", headers={"kid": "k1"})
        with pytest.raises(InvalidToken, match="not signed by a trusted key"):
            verify(forged)


def test_own_tokens_are_not_checked_against_the_key_set_without_the_own_key(tmp_path):
    own = issue_token(ensure_token_key(tmp_path), scope_of(A), timedelta(hours=1))
    with key_set_server([JWK]) as (url, _), pytest.raises(InvalidToken):
        TokenVerifier(jwks_url=url)(own)
    with pytest.raises(InvalidToken, match="issuer this service does not trust"):
        TokenVerifier(ensure_token_key(tmp_path / "other").public_key())(provider_token())


def test_an_unreachable_key_set_is_unavailable_not_unauthenticated():
    with key_set_server([JWK]) as (url, _):
        pass  # stopped: nothing listens there any more
    with pytest.raises(Rejected) as refused:
        TokenVerifier(jwks_url=url)(provider_token())
    assert refused.value.code == "unavailable"
