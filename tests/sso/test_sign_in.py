"""Sign in with SSO against a real OIDC provider (django-oauth-toolkit, its own
process): the test client plays the service's side, requests the browser's."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.db import connection

from enablement.models import Membership, RepProfile
from enablement.services.people import (
    PersonData,
    membership_join,
    person_deactivate,
    person_upsert,
)
from sso.models import IdentityProvider, SsoIdentity
from tests.factories.enablement import OrganizationFactory, TeamFactory
from tests.sso.conftest import sso_round_trip

pytestmark = pytest.mark.django_db

User = get_user_model()


def signed_in_user(client):
    return client.session.get("_auth_user_id")


def test_a_known_rep_signs_in_and_lands_on_their_home(client, acme, known_rep):
    """Matched by email on the first sign-in, then by the token's subject."""
    response = sso_round_trip(client, email="known@acme.test")
    assert response.status_code == 302
    assert response["Location"] == "/home/"  # routes by role: a rep to Today
    assert signed_in_user(client) == str(known_rep.pk)
    identity = SsoIdentity.objects.get(provider=acme)
    assert identity.user == known_rep
    assert identity.subject  # the provider's user id
    # A later change of address at the organization still finds them by subject.
    known_rep.email = "kim.renamed@acme.test"
    known_rep.save()
    client.logout()
    again = sso_round_trip(client, email="known@acme.test")
    assert again.status_code == 302
    assert signed_in_user(client) == str(known_rep.pk)
    assert User.objects.filter(email="known@acme.test").count() == 0


def test_the_page_asked_for_before_login_is_where_sso_lands(client, acme, known_rep):
    """A deep link (from a quiz email) survives SSO; another site's URL does not."""
    login_page = client.get("/login/", {"next": "/progress/"})
    assert b'href="/sso/?next=/progress/"' in login_page.content
    response = sso_round_trip(client, email="known@acme.test", next="/progress/")
    assert response["Location"] == "/progress/"
    client.logout()
    response = sso_round_trip(
        client, email="known@acme.test", next="https://evil.example/"
    )
    assert response["Location"] == "/home/"  # routes by role: a rep to Today


def test_an_unknown_user_is_created_as_a_rep_of_the_default_team(client, acme):
    """With "create", a new person joins the default team with the token's name."""
    acme.unknown_users = IdentityProvider.UnknownUsers.CREATE
    acme.save()
    response = sso_round_trip(client, email="newbie@acme.test")
    assert response.status_code == 302
    user = User.objects.get(email="newbie@acme.test")
    assert signed_in_user(client) == str(user.pk)
    assert (user.first_name, user.last_name) == ("Noor", "Newbie")
    assert not user.has_usable_password()
    assert RepProfile.objects.get(user=user).team == acme.default_team
    assert Membership.objects.get(user=user).organization == acme.organization


def test_an_unknown_user_is_refused_when_the_organization_says_so(client, acme):
    """With "refuse", nobody is created and the page says whom to ask."""
    response = sso_round_trip(client, email="newbie@acme.test")
    assert response.status_code == 403
    assert b"has no account here yet" in response.content
    assert not User.objects.filter(email="newbie@acme.test").exists()
    assert signed_in_user(client) is None


def test_an_address_outside_the_allowed_domains_is_refused(client, acme):
    """The provider vouches for outsider@other.test, which Acme does not allow."""
    # The start page picks the provider by domain; the person then signs in
    # at the provider with an account of another domain.
    response = sso_round_trip(
        client, email="newbie@acme.test", provider_email="outsider@other.test"
    )
    assert response.status_code == 403
    assert b"is not an address this organization signs in with" in response.content
    assert signed_in_user(client) is None


def test_a_deactivated_person_is_refused_with_a_clear_page(client, acme):
    """A person who left cannot sign in through the provider either."""
    gone = person_upsert(
        organization=acme.organization,
        data=PersonData(email="gone@acme.test", team=acme.default_team),
    ).user
    person_deactivate(membership=gone.membership)
    response = sso_round_trip(client, email="gone@acme.test")
    assert response.status_code == 403
    assert b"has been deactivated" in response.content
    assert signed_in_user(client) is None


def test_an_unverified_email_is_refused(client, acme):
    """The provider says email_verified is false: the address proves nothing."""
    acme.unknown_users = IdentityProvider.UnknownUsers.CREATE
    acme.save()
    response = sso_round_trip(client, email="unverified@acme.test")
    assert response.status_code == 403
    assert b"has not verified" in response.content
    assert not User.objects.filter(email="unverified@acme.test").exists()


def test_a_tampered_state_is_refused(client, acme, known_rep):
    """A callback whose state the session did not issue signs nobody in."""
    response = sso_round_trip(client, email="known@acme.test", state="forged")
    assert response.status_code == 400
    assert b"expired or was tampered with" in response.content
    assert signed_in_user(client) is None
    assert not SsoIdentity.objects.exists()


def test_a_provider_error_and_a_callback_out_of_the_blue_get_clear_pages(client, acme):
    """access_denied from the provider, or a callback with no sign-in started."""
    stray = client.get("/sso/callback/", {"code": "x", "state": "y"})
    assert stray.status_code == 400
    assert b"was not started here" in stray.content
    client.post("/sso/", {"email": "known@acme.test"})
    denied = client.get(
        "/sso/callback/", {"error": "access_denied", "error_description": "no"}
    )
    assert denied.status_code == 400
    assert b"Acme Okta did not let you sign in" in denied.content


def test_the_start_page_names_no_organization(client, acme):
    """An unknown domain is told SSO is not set up; no organization is listed."""
    page = client.get("/sso/")
    assert page.status_code == 200
    assert acme.organization.name.encode() not in page.content
    unknown = client.post("/sso/", {"email": "someone@elsewhere.test"})
    assert unknown.status_code == 400
    assert b"not set up for this email domain" in unknown.content
    assert acme.display_name.encode() not in unknown.content
    bad = client.post("/sso/", {"email": "not an email"})
    assert bad.status_code == 400


def test_the_authorization_request_uses_pkce_state_and_nonce(client, acme):
    """The redirect to the provider carries an S256 challenge, state and nonce."""
    start = client.post("/sso/", {"email": "known@acme.test"})
    query = parse_qs(urlsplit(start["Location"]).query)
    assert start["Location"].startswith(acme.issuer + "/authorize/")
    assert query["code_challenge_method"] == ["S256"]
    assert query["code_challenge"][0] and query["state"][0] and query["nonce"][0]
    assert query["scope"] == ["openid email profile"]
    assert query["redirect_uri"] == ["http://testserver/sso/callback/"]


def test_a_provider_that_cannot_be_reached_gets_a_clear_page(client, acme):
    """Discovery fails (nothing listens there): a 502 page, not a 500."""
    acme.issuer = "http://127.0.0.1:9/o"
    acme.save()
    response = client.post("/sso/", {"email": "known@acme.test"})
    assert response.status_code == 502
    assert b"cannot be reached" in response.content


def test_a_person_of_another_organization_is_refused(client, acme):
    """An address already used by another organization's person is not taken over."""
    other = OrganizationFactory(name="Other org")
    person_upsert(
        organization=other,
        data=PersonData(email="known@acme.test", team=TeamFactory(organization=other)),
    )
    response = sso_round_trip(client, email="known@acme.test")
    assert response.status_code == 403
    assert signed_in_user(client) is None


@pytest.mark.parametrize("superuser", [True, False], ids=["superuser", "no-org"])
def test_accounts_outside_the_organization_never_sign_in_by_sso(
    client, acme, superuser
):
    """A superuser, or an account of no organization, with an allowed address:
    the organization's identity provider must not hand them out."""
    user = User.objects.create_user(
        username="known@acme.test",
        email="known@acme.test",
        password="pw-of-theirs",
        is_superuser=superuser,
        is_staff=superuser,
    )
    if superuser:  # even one who is also a member of the organization
        membership_join(user=user, organization=acme.organization)
    response = sso_round_trip(client, email="known@acme.test")
    assert response.status_code == 403
    assert b"does not sign in with single sign-on" in response.content
    assert signed_in_user(client) is None
    assert not SsoIdentity.objects.exists()


def test_the_client_secret_is_not_stored_in_clear_text(acme, oidc_provider):
    """The database holds a Fernet token; the model reads the secret back."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT client_secret FROM sso_identityprovider WHERE id = %s", [acme.pk]
        )
        (stored,) = cursor.fetchone()
    assert oidc_provider.client_secret not in stored
    assert stored.startswith("gAAAA")  # a Fernet token's version byte
    assert (
        IdentityProvider.objects.get(pk=acme.pk).client_secret
        == oidc_provider.client_secret
    )
