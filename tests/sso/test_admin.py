"""An enablement admin sets up their organization's identity provider in admin."""

import pytest
from django.contrib.auth.models import Permission
from django.db import connection

from sso.models import AllowedDomain, IdentityProvider
from tests.factories.enablement import OrganizationFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

ADD_URL = "/admin/sso/identityprovider/add/"


@pytest.fixture
def admin_client(client):
    """A staff user in Organization.admins with the SSO models' permissions."""
    organization = OrganizationFactory(name="Acme admin org")
    team = TeamFactory(organization=organization, name="Field")
    user = UserFactory(username="acme-enablement", is_staff=True)
    organization.admins.add(user)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="sso"))
    client.force_login(user)
    client.organization, client.team = organization, team
    return client


def form_data(client, **overrides) -> dict:
    data = {
        "organization": client.organization.pk,
        "display_name": "Acme Okta",
        "enabled": "on",
        "issuer": "https://acme.okta.example/oauth2/default",
        "client_id": "0oa-client",
        "client_secret": "first-secret",
        "unknown_users": "create",
        "default_team": client.team.pk,
        "domains-TOTAL_FORMS": "1",
        "domains-INITIAL_FORMS": "0",
        "domains-0-domain": "Acme.Example",
    }
    return data | overrides


def test_an_admin_adds_a_provider_with_an_encrypted_secret(admin_client):
    """Saved with its domain (lower-cased); the secret never shown back."""
    response = admin_client.post(ADD_URL, form_data(admin_client))
    assert response.status_code == 302, response.context["adminform"].form.errors
    provider = IdentityProvider.objects.get()
    assert provider.client_secret == "first-secret"
    assert list(provider.domains.values_list("domain", flat=True)) == ["acme.example"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT client_secret FROM sso_identityprovider")
        assert "first-secret" not in cursor.fetchone()[0]
    change = admin_client.get(f"/admin/sso/identityprovider/{provider.pk}/change/")
    assert b"first-secret" not in change.content
    assert b"/sso/callback/" in change.content  # the redirect URI to register


def test_an_empty_secret_on_change_keeps_the_stored_one(admin_client):
    admin_client.post(ADD_URL, form_data(admin_client))
    provider = IdentityProvider.objects.get()
    data = form_data(
        admin_client,
        client_secret="",
        display_name="Acme SSO",
        **{
            "domains-INITIAL_FORMS": "1",
            "domains-0-id": provider.domains.get().pk,
            "domains-0-provider": provider.pk,
        },
    )
    response = admin_client.post(
        f"/admin/sso/identityprovider/{provider.pk}/change/", data
    )
    assert response.status_code == 302
    provider.refresh_from_db()
    assert (provider.display_name, provider.client_secret) == (
        "Acme SSO",
        "first-secret",
    )


def test_bad_settings_are_refused_with_nothing_saved(admin_client):
    """No secret, another organization's team, a domain another provider has."""
    other = OrganizationFactory(name="Other org")
    taken = IdentityProvider.objects.create(
        organization=other, issuer="https://o.example", client_id="o", client_secret="o"
    )
    AllowedDomain.objects.create(provider=taken, domain="taken.example")
    cases = [
        {"client_secret": ""},
        {"default_team": TeamFactory(organization=other).pk},
        {"domains-0-domain": "taken.example"},
        {"domains-0-domain": "not a domain"},
        {"unknown_users": "create", "default_team": ""},
        {"organization": other.pk},
    ]
    for overrides in cases:
        response = admin_client.post(ADD_URL, form_data(admin_client, **overrides))
        assert response.status_code == 200, overrides
    assert IdentityProvider.objects.count() == 1
