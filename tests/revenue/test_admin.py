"""The CRM admin: a secret shown once and rotated with an overlap; deals read-only."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from enablement.services.groups import admin_group_sync, author_group_sync
from revenue.models import Opportunity, WebhookSecret
from tests.factories.enablement import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_of(client, organization):
    user = UserFactory(username="crm-admin", is_staff=True)
    organization.admins.add(user)
    user.groups.add(admin_group_sync())
    client.force_login(user)
    return client


def test_adding_a_secret_shows_it_once(admin_of, organization):
    """The new key id and secret appear in one message; the list shows neither secret."""
    response = admin_of.post(
        reverse("admin:revenue_webhooksecret_add"),
        {"organization": organization.pk},
        follow=True,
    )
    row = WebhookSecret.objects.get(organization=organization)
    shown = (
        " ".join(str(m) for m in get_messages(response.wsgi_request))
        + response.content.decode()
    )
    assert row.key_id in shown and row.secret in shown
    listing = admin_of.get(
        reverse("admin:revenue_webhooksecret_changelist")
    ).content.decode()
    assert row.key_id in listing and row.secret not in listing


def test_the_rotate_action_keeps_the_old_secret_until_its_expiry(
    admin_of, organization
):
    """Rotate: a second secret, and the first one expires (not at once)."""
    admin_of.post(
        reverse("admin:revenue_webhooksecret_add"), {"organization": organization.pk}
    )
    first = WebhookSecret.objects.get()
    admin_of.post(
        reverse("admin:revenue_webhooksecret_changelist"),
        {"action": "rotate_secrets", "_selected_action": [first.pk]},
    )
    first.refresh_from_db()
    assert WebhookSecret.objects.count() == 2
    assert first.expires_at is not None and first.expires_at > first.created_at


def test_deals_are_read_only_with_an_unknown_owner_filter(admin_of, organization):
    """No add or change of a deal in admin; the filter lists deals without a rep."""
    from django.utils import timezone

    Opportunity.objects.create(
        organization=organization, external_id="X-1", owner_email="nobody@x.io",
        created_in_crm_at=timezone.now(),
    )  # fmt: skip
    url = reverse("admin:revenue_opportunity_changelist")
    assert "X-1" in admin_of.get(url, {"owner_matched": "no"}).content.decode()
    assert "X-1" not in admin_of.get(url, {"owner_matched": "yes"}).content.decode()
    assert admin_of.get(reverse("admin:revenue_opportunity_add")).status_code == 403


def test_an_author_has_no_crm_secrets(client, organization):
    """Authors work on content: the webhook secrets are not theirs."""
    user = UserFactory(username="crm-author", is_staff=True)
    organization.authors.add(user)
    user.groups.add(author_group_sync())
    client.force_login(user)
    response = client.get(reverse("admin:revenue_webhooksecret_changelist"))
    assert response.status_code == 403
