"""A real OpenID Connect provider (django-oauth-toolkit) in its own process and
port for the SSO tests, and a headless user agent that signs in at it."""

import json
import secrets
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests
from playwright.sync_api import sync_playwright

from enablement.services.people import PersonData, person_upsert
from sso.models import AllowedDomain, IdentityProvider
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.factories.enablement import OrganizationFactory, TeamFactory

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "provider-password-1"
# The provider's people: email -> what its ID tokens say besides the email.
PEOPLE = {
    "known@acme.test": {"given_name": "Kim", "family_name": "Known"},
    "newbie@acme.test": {"given_name": "Noor", "family_name": "Newbie"},
    "gone@acme.test": {"given_name": "Gio", "family_name": "Gone"},
    "unverified@acme.test": {"email_verified": False},
    "outsider@other.test": {},
}


@dataclass(frozen=True)
class Provider:
    issuer: str
    client_id: str
    client_secret: str


def _free_port() -> int:
    out = subprocess.run(
        [sys.executable, str(ROOT / "scripts/free_port.py")],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(out.stdout)


def _wait_until_up(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("OIDC provider exited:\n" + log.read_text())
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.2)
    raise RuntimeError("OIDC provider did not start:\n" + log.read_text())


@pytest.fixture(scope="session")
def oidc_provider(tmp_path_factory):
    """django-oauth-toolkit's OIDC provider on a free port, one client, PEOPLE."""
    directory = tmp_path_factory.mktemp("oidc-provider")
    port = _free_port()
    provider = Provider(
        issuer=f"http://127.0.0.1:{port}/o",
        client_id="reinforce-tests",
        client_secret=secrets.token_urlsafe(32),
    )
    config = {
        "client_id": provider.client_id,
        "client_secret": provider.client_secret,
        # localhost is the live server's (any port); testserver the test client's.
        "redirect_uris": [
            "http://localhost/sso/callback/",
            "http://testserver/sso/callback/",
        ],
        "users": [
            {"email": email, "password": PASSWORD, **claims}
            for email, claims in PEOPLE.items()
        ],
    }
    (directory / "config.json").write_text(json.dumps(config))
    log = directory / "provider.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.support.oidc_provider.serve",
             str(directory / "config.json"), str(port)],
            cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
            env={"PATH": "/usr/bin:/bin", "OIDC_PROVIDER_DIR": str(directory)},
        )  # fmt: skip
    try:
        _wait_until_up(
            provider.issuer + "/.well-known/openid-configuration", process, log
        )
        yield provider
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def acme(oidc_provider):
    """Acme's organization, its Field team, and its provider allowing acme.test."""
    organization = OrganizationFactory(name="Acme Cloud SSO")
    team = TeamFactory(organization=organization, name="Field")
    provider = IdentityProvider.objects.create(
        organization=organization,
        display_name="Acme Okta",
        issuer=oidc_provider.issuer,
        client_id=oidc_provider.client_id,
        client_secret=oidc_provider.client_secret,
        unknown_users=IdentityProvider.UnknownUsers.REFUSE,
        default_team=team,
    )
    AllowedDomain.objects.create(provider=provider, domain="acme.test")
    return provider


@pytest.fixture
def known_rep(acme):
    """known@acme.test, a rep of Acme added before (by a roster, say)."""
    return person_upsert(
        organization=acme.organization,
        data=PersonData(email="known@acme.test", team=acme.default_team),
    ).user


def provider_sign_in(authorize_url: str, *, email: str) -> str:
    """Sign in at the provider as email; the redirect back to the service.

    What a browser does: follow the authorization request to the provider's
    login form, post the password, and stop at the redirect to the callback.
    """
    session = requests.Session()
    form = session.get(authorize_url, timeout=10)
    assert "/accounts/login/" in form.url, form.url
    next_url = parse_qs(urlsplit(form.url).query)["next"][0]
    signed_in = session.post(
        form.url,
        data={
            "username": email,
            "password": PASSWORD,
            "next": next_url,
            "csrfmiddlewaretoken": session.cookies["idp_csrftoken"],
        },
        allow_redirects=False,
        timeout=10,
    )
    assert signed_in.status_code == 302, signed_in.text
    authorized = session.get(
        urljoin(form.url, signed_in.headers["Location"]),
        allow_redirects=False,
        timeout=10,
    )
    assert authorized.status_code == 302, authorized.text
    return authorized.headers["Location"]


def sso_round_trip(
    client,
    *,
    email: str,
    provider_email: str | None = None,
    state: str | None = None,
    next: str = "",
):
    """Start SSO as email with the Django test client, sign in at the provider
    (as provider_email if given), and return the service's response to the
    callback (its state replaced if given)."""
    start = client.post("/sso/", {"email": email, "next": next})
    assert start.status_code == 302, start.content
    callback = urlsplit(
        provider_sign_in(start["Location"], email=provider_email or email)
    )
    assert callback.path == "/sso/callback/"
    query = parse_qs(callback.query)
    if state is not None:
        query["state"] = [state]
    return client.get(callback.path, {k: v[0] for k, v in query.items()})


@pytest.fixture(scope="module")
def browser():
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing; run the test command"
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()
