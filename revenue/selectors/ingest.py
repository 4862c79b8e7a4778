"""Reads of the CRM ingest: who owns a deal, which secret signs a request."""

from collections.abc import Iterable

from django.db.models import Q
from django.db.models.functions import Lower

from enablement.models import Membership, Organization
from revenue.models import WebhookSecret


def owners_match(
    *, organization: Organization, emails: Iterable[str], external_ids: Iterable[str]
) -> tuple[dict[str, int], dict[str, int]]:
    """The organization's people with these external ids and emails, as
    (user id by external id, user id by lower-case email), in one query.

    Only members of this organization match: an email of another
    organization's person is an unknown owner, never a link across tenants.
    """
    emails = {e.lower() for e in emails if e}
    external_ids = {e for e in external_ids if e}
    if not emails and not external_ids:
        return {}, {}
    rows = (
        Membership.objects.filter(organization=organization)
        .annotate(email=Lower("user__email"))
        .filter(Q(external_id__in=external_ids) | Q(email__in=emails))
        .order_by("pk")
        .values_list("user_id", "external_id", "email")
    )
    by_external_id: dict[str, int] = {}
    by_email: dict[str, int] = {}
    for user_id, external_id, email in rows:
        if external_id in external_ids:
            by_external_id.setdefault(external_id, user_id)
        if email in emails:
            by_email.setdefault(email, user_id)
    return by_external_id, by_email


def webhook_secret_find(*, key_id: str) -> WebhookSecret | None:
    """The webhook secret with this public key id, with its organization."""
    return (
        WebhookSecret.objects.select_related("organization")
        .filter(key_id=key_id)
        .first()
    )
