"""The webhook's signing secrets: rotation with an overlap, and verification.

A request names its secret by the secret's public key id
(``X-Reinforce-Key``) and is signed with it: ``X-Reinforce-Signature:
sha256=<hex HMAC-SHA256 of timestamp + "." + raw body>``, ``X-Reinforce-
Timestamp: <unix seconds>``. An unknown key id, an expired secret and a
wrong signature get the same refusal, so the endpoint never tells which
organizations or keys exist. Each process caches the rows it has read
(``webhook_secret_find``), and checks each row's expiry on every request.
"""

import datetime as dt
import hashlib
import hmac
import secrets

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from core.errors import ApplicationError
from enablement.models import Organization
from revenue.models import WebhookSecret
from revenue.selectors.ingest import webhook_secret_cache_clear, webhook_secret_find

SIGNATURE_PREFIX = "sha256="
# Compared against when the key id is unknown, so that path costs the same
# HMAC as a known one.
_DUMMY_SECRET = secrets.token_urlsafe(32)


class SignatureRejected(ApplicationError):
    """The request is not signed by a current secret (401)."""

    def __init__(self, message: str):
        super().__init__("signature_invalid", message)


KEY_HEADER = "X-Reinforce-Key"
TIMESTAMP_HEADER = "X-Reinforce-Timestamp"
SIGNATURE_HEADER = "X-Reinforce-Signature"


def webhook_headers(*, key_id: str, secret: str, body: bytes, timestamp: str) -> dict:
    """The three headers a sender signs a body with (docs/revenue.md)."""
    return {
        KEY_HEADER: key_id,
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: webhook_signature(
            secret=secret, timestamp=timestamp, body=body
        ),
    }


def webhook_signature(*, secret: str, timestamp: str, body: bytes) -> str:
    """The X-Reinforce-Signature value of a body signed at timestamp."""
    digest = hmac.new(
        secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256
    ).hexdigest()
    return SIGNATURE_PREFIX + digest


@transaction.atomic
def webhook_secret_rotate(
    *, organization: Organization, now: dt.datetime, overlap_hours: int | None = None
) -> tuple[WebhookSecret, str]:
    """Issue a new secret; the current ones keep verifying for the overlap.

    Returns the new row and its clear secret, shown once. This process
    forgets its cached secrets on commit; the others read the new expiry
    within ``CRM_SECRET_CACHE_SECONDS``.
    """
    hours = (
        settings.CRM_SECRET_OVERLAP_HOURS if overlap_hours is None else overlap_hours
    )
    until = now + dt.timedelta(hours=hours)
    WebhookSecret.objects.filter(organization=organization).filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=until)
    ).update(expires_at=until, updated_at=now)
    secret = "whsec_" + secrets.token_urlsafe(32)
    row = WebhookSecret.objects.create(organization=organization, secret=secret)
    transaction.on_commit(webhook_secret_cache_clear)
    return row, secret


def webhook_request_verify(
    *, key_id: str, timestamp: str, signature: str, body: bytes, now: dt.datetime
) -> Organization:
    """The organization whose current secret signed this request, or refuse."""
    try:
        sent_at = dt.datetime.fromtimestamp(int(timestamp), tz=dt.UTC)
    except (ValueError, OverflowError, OSError):
        raise SignatureRejected(
            _("X-Reinforce-Timestamp must be Unix seconds.")
        ) from None
    age = abs((now - sent_at).total_seconds())
    if age > settings.CRM_WEBHOOK_MAX_AGE_SECONDS:
        raise SignatureRejected(
            _("The timestamp is more than %(s)d seconds away from now; re-sign.")
            % {"s": settings.CRM_WEBHOOK_MAX_AGE_SECONDS}
        )
    row = webhook_secret_find(key_id=key_id) if key_id else None
    usable = row is not None and (row.expires_at is None or row.expires_at > now)
    expected = webhook_signature(
        secret=row.secret if usable else _DUMMY_SECRET, timestamp=timestamp, body=body
    )
    if not (
        hmac.compare_digest(expected.encode(), signature.strip().encode()) and usable
    ):
        raise SignatureRejected(
            _("The signature does not match a current secret of this key.")
        )
    return row.organization
