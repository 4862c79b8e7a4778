"""The SCIM token in admin: an enablement admin issues and rotates their
organization's token and sees it once; an author of the organization cannot."""

import hashlib
import re

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from provisioning.models import ProvisioningToken
from tests.factories.enablement import OrganizationFactory, UserFactory
from tests.provisioning.conftest import ScimClient

pytestmark = pytest.mark.django_db
TOKEN = re.compile(r"scim_[A-Za-z0-9_-]{40,}")


def staff(organization, relation: str):
    user = UserFactory(is_staff=True)
    getattr(organization, relation).add(user)
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="provisioning")
    )
    return user


def shown_token(response) -> str:
    """The one token on the page a POST redirected to."""
    assert response.redirect_chain, response.status_code
    found = set(TOKEN.findall(response.content.decode()))
    assert len(found) == 1, found
    return found.pop()


def test_an_enablement_admin_issues_and_rotates_the_token_shown_once(client):
    organization = OrganizationFactory(name="Acme")
    client.force_login(staff(organization, "admins"))

    response = client.post(
        reverse("admin:provisioning_provisioningtoken_add"),
        {"organization": organization.pk},
        follow=True,
    )
    token = shown_token(response)
    row = ProvisioningToken.objects.get(organization=organization)
    assert row.token_digest == hashlib.sha256(token.encode()).hexdigest()
    assert row.token_prefix == token[:12]
    scim = ScimClient(client, token)
    assert scim("GET", "/Users").status_code == 200

    change = reverse("admin:provisioning_provisioningtoken_change", args=[row.pk])
    assert token not in client.get(change).content.decode()  # shown once
    response = client.post(change, {"rotate": "on"}, follow=True)
    rotated = shown_token(response)
    assert rotated != token
    assert scim("GET", "/Users", token=token).status_code == 401
    assert scim("GET", "/Users", token=rotated).status_code == 200

    # Saving without "rotate" keeps the token.
    client.post(change, {})
    assert scim("GET", "/Users", token=rotated).status_code == 200

    changelist = reverse("admin:provisioning_provisioningtoken_changelist")
    response = client.post(
        changelist,
        {"action": "rotate_tokens", "_selected_action": [row.pk]},
        follow=True,
    )
    assert scim("GET", "/Users", token=rotated).status_code == 401
    assert scim("GET", "/Users", token=shown_token(response)).status_code == 200


def test_an_author_of_the_organization_has_no_say_over_its_token(client):
    organization = OrganizationFactory(name="Acme")
    client.force_login(staff(organization, "admins"))
    client.post(
        reverse("admin:provisioning_provisioningtoken_add"),
        {"organization": organization.pk},
    )
    row = ProvisioningToken.objects.get(organization=organization)
    digest = row.token_digest

    client.force_login(staff(organization, "authors"))
    changelist = reverse("admin:provisioning_provisioningtoken_changelist")
    assert row.pk not in {
        o.pk for o in client.get(changelist).context["cl"].result_list
    }
    change = reverse("admin:provisioning_provisioningtoken_change", args=[row.pk])
    assert client.get(change).status_code == 302  # "doesn't exist"
    client.post(change, {"rotate": "on"})
    client.post(changelist, {"action": "rotate_tokens", "_selected_action": [row.pk]})
    response = client.post(
        reverse("admin:provisioning_provisioningtoken_add"),
        {"organization": organization.pk},
    )
    assert "organization" in response.context["adminform"].form.errors
    row.refresh_from_db()
    assert row.token_digest == digest
