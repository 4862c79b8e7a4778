"""The callback refuses an ID token that fails any check OIDC Core 3.1.3.7 asks for.

A real provider only issues good tokens, so these run against a forging one:
a small HTTP server on its own port (a thread of the test) that publishes a
discovery document and a JWKS and answers the token request with whatever ID
token the test signed. A good token signs in, so each refusal is the check's.
"""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey

pytestmark = pytest.mark.django_db

CLIENT_ID = "forged-client"
KEY = RSAKey.generate_key(2048, parameters={"kid": "published"})
OTHER_KEY = RSAKey.generate_key(2048, parameters={"kid": "published"})


class Forger(BaseHTTPRequestHandler):
    id_token = ""

    def _json(self, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        base = f"http://127.0.0.1:{self.server.server_port}"
        # The same document under any issuer path: its issuer is the root.
        if self.path.endswith("/.well-known/openid-configuration"):
            self._json({
                "issuer": base, "authorization_endpoint": base + "/authorize",
                "token_endpoint": base + "/token", "jwks_uri": base + "/jwks",
                "id_token_signing_alg_values_supported": ["RS256"],
            })  # fmt: skip
        elif self.path == "/jwks":
            self._json({"keys": [KEY.as_dict(private=False)]})
        else:
            self.send_error(404)

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self._json({"access_token": "at", "token_type": "Bearer",
                    "id_token": type(self).id_token})  # fmt: skip

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def forger():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Forger)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture
def forged_provider(forger, known_rep):
    provider = known_rep.membership.organization.identity_provider
    provider.issuer, provider.client_id = forger, CLIENT_ID
    provider.save()
    return provider


def claims(*, issuer: str, nonce: str, changes: dict | None = None) -> dict:
    now = int(time.time())
    good = {"iss": issuer, "aud": CLIENT_ID, "sub": "forged-sub",
            "email": "known@acme.test", "email_verified": True,
            "iat": now, "exp": now + 300, "nonce": nonce}  # fmt: skip
    return {k: v for k, v in (good | (changes or {})).items() if v is not None}


CASES = {
    "good": ({}, KEY),
    "other signing key": ({}, OTHER_KEY),
    "other issuer": ({"iss": "https://evil.example"}, KEY),
    "other audience": ({"aud": "someone-else"}, KEY),
    "other audience, our client as azp": (
        {"aud": "someone-else", "azp": CLIENT_ID},
        KEY,
    ),
    "expired": ({"exp": int(time.time()) - 3600, "iat": 0}, KEY),
    "other nonce": ({"nonce": "replayed"}, KEY),
    "no nonce": ({"nonce": None}, KEY),
}


@pytest.mark.parametrize("case", list(CASES))
def test_only_a_valid_id_token_signs_in(client, forged_provider, known_rep, case):
    """Signature (JWKS), iss, aud, exp and nonce each refuse on their own."""
    changes, key = CASES[case]
    response = sign_in_with(
        client,
        lambda nonce: jwt.encode(
            {"alg": "RS256", "kid": "published"},
            claims(issuer=forged_provider.issuer, nonce=nonce, changes=changes),
            key,
        ),
    )
    if case == "good":
        assert response.status_code == 302
        assert client.session["_auth_user_id"] == str(known_rep.pk)
    else:
        assert response.status_code == 400, response.content
        assert b"could not be verified" in response.content
        assert "_auth_user_id" not in client.session


def sign_in_with(client, make_token):
    start = client.post("/sso/", {"email": "known@acme.test"})
    request = parse_qs(urlsplit(start["Location"]).query)
    Forger.id_token = make_token(request["nonce"][0])
    return client.get("/sso/callback/", {"code": "c", "state": request["state"][0]})


def test_a_discovery_document_of_another_issuer_is_refused(client, forger, known_rep):
    """OIDC Discovery 4.3: the document names the issuer it was asked for."""
    provider = known_rep.membership.organization.identity_provider
    provider.issuer, provider.client_id = forger + "/tenant-b", CLIENT_ID
    provider.save()
    response = sign_in_with(
        client,
        lambda nonce: jwt.encode(
            {"alg": "RS256", "kid": "published"},
            claims(issuer=forger, nonce=nonce),
            KEY,
        ),
    )
    assert response.status_code == 400
    assert "_auth_user_id" not in client.session
