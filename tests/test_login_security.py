"""Sign-in throttling of /login/ and /admin/login/ (django-axes).

Failures count per account and per client address; a locked-out sign-in is
refused even with the right password and told why (429, not a generic error);
the address is X-Forwarded-For's only behind trusted proxies (API_NUM_PROXIES),
as for the API's throttle.
"""

import pytest
from django.conf import settings
from django.urls import reverse

from tests.factories.enablement import UserFactory

pytestmark = pytest.mark.django_db

ADMIN_LOGIN = reverse("admin:login")
WEB_LOGIN = reverse("rep:login")
LIMIT = settings.AXES_FAILURE_LIMIT


def sign_in(client, url, username, password="pw", address="10.0.0.1", **headers):
    client.logout()
    return client.post(
        url, {"username": username, "password": password}, REMOTE_ADDR=address,
        **headers,
    )  # fmt: skip


def signed_in(response) -> bool:
    return "_auth_user_id" in response.wsgi_request.session


@pytest.fixture
def staff():
    return UserFactory(username="erin", is_staff=True)


def test_admin_login_refuses_the_right_password_after_25_wrong_ones(client, staff):
    """The 26th attempt, right, is refused with a message saying why and how long."""
    assert signed_in(sign_in(client, ADMIN_LOGIN, "erin"))
    for _ in range(25):
        response = sign_in(client, ADMIN_LOGIN, "erin", "wrong")
        assert response.status_code in (200, 429)
    response = sign_in(client, ADMIN_LOGIN, "erin")
    assert response.status_code == 429
    assert not signed_in(response)
    text = response.content.decode()
    assert "Too many attempts" in text and "15 minutes" in text
    assert "Please enter the correct username" not in text


def test_the_web_login_pauses_at_the_limit_and_says_so(client, staff):
    for attempt in range(1, LIMIT + 1):
        response = sign_in(client, WEB_LOGIN, "erin", "wrong")
        assert response.status_code == (429 if attempt == LIMIT else 200)
    response = sign_in(client, WEB_LOGIN, "erin")
    assert response.status_code == 429 and not signed_in(response)
    assert "even with the right password" in response.content.decode()


def test_the_account_count_ignores_case(client, staff):
    """ "Erin" and "erin" are one account's failures."""
    for i in range(LIMIT):
        sign_in(client, WEB_LOGIN, "Erin" if i % 2 else "ERIN", "wrong", f"10.1.0.{i}")
    assert sign_in(client, WEB_LOGIN, "erin", address="10.2.0.1").status_code == 429


def test_one_address_failures_lock_neither_another_account_nor_another_address(
    client, staff
):
    """Failures of erin from A: bob signs in from B; A is paused; erin is paused."""
    UserFactory(username="bob")
    for _ in range(LIMIT):
        sign_in(client, WEB_LOGIN, "erin", "wrong", address="10.0.0.1")
    assert signed_in(sign_in(client, WEB_LOGIN, "bob", address="10.0.0.2"))
    assert sign_in(client, WEB_LOGIN, "bob", address="10.0.0.1").status_code == 429
    assert sign_in(client, WEB_LOGIN, "erin", address="10.0.0.2").status_code == 429


def test_a_forged_forwarded_for_is_ignored_without_trusted_proxies(client, staff):
    """API_NUM_PROXIES=0: the connection's address counts, whatever the header says."""
    for i in range(LIMIT):
        sign_in(
            client, WEB_LOGIN, f"guess{i}", "wrong", HTTP_X_FORWARDED_FOR=f"1.1.1.{i}"
        )
    response = sign_in(client, WEB_LOGIN, "erin", HTTP_X_FORWARDED_FOR="2.2.2.2")
    assert response.status_code == 429


def test_forwarded_for_is_honoured_behind_a_trusted_proxy(client, staff, settings):
    """API_NUM_PROXIES=1: one client's failures do not lock out the balancer."""
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    balancer = "10.0.0.254"
    for i in range(LIMIT):
        sign_in(
            client, ADMIN_LOGIN, f"guess{i}", "wrong", balancer,
            HTTP_X_FORWARDED_FOR="1.1.1.1",
        )  # fmt: skip
    other = sign_in(
        client, ADMIN_LOGIN, "erin", address=balancer, HTTP_X_FORWARDED_FOR="2.2.2.2"
    )
    assert signed_in(other)
    again = sign_in(
        client, ADMIN_LOGIN, "erin", address=balancer, HTTP_X_FORWARDED_FOR="1.1.1.1"
    )
    assert again.status_code == 429


def test_a_paused_account_is_refused_by_the_api_too_and_told_why(client, staff):
    """Web failures pause the account's API sign-in from another address (429)."""
    for _ in range(LIMIT):
        sign_in(client, WEB_LOGIN, "erin", "wrong")
    response = client.post(
        reverse("api-token-obtain"), {"username": "erin", "password": "pw"},
        "application/json", REMOTE_ADDR="10.7.7.7",
    )  # fmt: skip
    assert response.status_code == 429
    error = response.json()["error"]
    assert (
        error["code"] == "throttled"
        and "even with the right password" in error["message"]
    )


def test_the_api_token_endpoint_keeps_its_own_throttle(client, staff):
    """The API still answers its login throttle with 429 in its error shape."""
    url = reverse("api-token-obtain")
    for _ in range(10):
        client.post(url, {"username": "erin", "password": "x"}, "application/json")
    response = client.post(
        url, {"username": "erin", "password": "pw"}, "application/json"
    )
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "throttled"
