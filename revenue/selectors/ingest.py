"""Reads of the CRM ingest: who owns a deal, which secret signs a request."""

import threading
import time
from collections.abc import Iterable

from cachetools import TTLCache
from django.conf import settings
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


# Key id -> its WebhookSecret row (or None), per process: most webhook
# requests then skip the secret's query and its decryption. A row carries its
# expiry, which every request checks against the clock, so an expiry already
# set is enforced to the second; only a change made since the row was read
# (a rotation or deletion, in another process) waits out the TTL. Misses are
# cached too (bounded), so a known and an unknown key answer alike.
_secrets: TTLCache = TTLCache(
    maxsize=1024, ttl=settings.CRM_SECRET_CACHE_SECONDS, timer=time.monotonic
)
_secrets_lock = threading.Lock()


def webhook_secret_find(*, key_id: str) -> WebhookSecret | None:
    """The webhook secret with this public key id, with its organization,
    as read at most ``CRM_SECRET_CACHE_SECONDS`` ago (docs/revenue.md)."""
    with _secrets_lock:
        if key_id in _secrets:
            return _secrets[key_id]
    row = (
        WebhookSecret.objects.select_related("organization")
        .filter(key_id=key_id)
        .first()
    )
    with _secrets_lock:
        _secrets[key_id] = row
    return row


def webhook_secret_cache_clear() -> None:
    """Forget this process's cached secrets (after a rotation or deletion)."""
    with _secrets_lock:
        _secrets.clear()
