"""A rep signs in with SSO in headless Chromium: /login/, "Sign in with SSO",
work email, the real provider's login form, back on their Today page."""

import re
from urllib.parse import unquote

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS
from tests.sso.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_rep_signs_in_through_the_oidc_provider(
    browser, live_server, oidc_provider, acme, known_rep
):
    """Authorization code with PKCE through the browser; signed in as the rep."""
    context = browser.new_context(viewport={"width": 375, "height": 812})
    page = context.new_page()
    ARTIFACTS.mkdir(exist_ok=True)

    page.goto(live_server.url + "/login/")
    page.get_by_role("link", name="Sign in with SSO").click()
    expect(page).to_have_url(re.compile("/sso/$"))
    expect(page.get_by_text("Acme")).to_have_count(0)  # no tenant named
    page.get_by_label("Work email").fill("known@acme.test")
    page.screenshot(path=str(ARTIFACTS / "sso-start-375x812.png"), full_page=True)
    page.get_by_role("button", name="Continue").click()

    # At the provider (another process and port): its own login form.
    expect(page).to_have_url(re.compile(re.escape(oidc_provider.issuer[:-2])))
    assert "code_challenge_method=S256" in unquote(page.url)  # inside ?next=
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Email").fill("known@acme.test")
    page.get_by_role("button", name="Sign in to the provider").click()

    # Back at the service, signed in, on the rep's Today.
    expect(page).to_have_url(live_server.url + "/")
    expect(page.get_by_role("heading", name="Nothing to practise yet")).to_be_visible()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "sso-signed-in-375x812.png"), full_page=True)
    cookies = {c["name"]: c for c in context.cookies(live_server.url)}
    assert "sessionid" in cookies
    context.close()


def test_a_refused_person_sees_why_in_the_browser(
    browser, live_server, oidc_provider, acme
):
    """An unknown user of a "refuse" organization gets the clear page, not a 500."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(live_server.url + "/sso/")
    page.get_by_label("Work email").fill("newbie@acme.test")
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Email").fill("newbie@acme.test")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in to the provider").click()
    expect(page.get_by_role("heading", name="You are not signed in")).to_be_visible()
    expect(page.get_by_text("has no account here yet")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "sso-refused.png"), full_page=True)
    page.goto(live_server.url + "/")
    expect(page).to_have_url(re.compile("/login/"))
    context.close()
