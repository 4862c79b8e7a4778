"""Web Push: a rep's browser subscriptions, and one push to each of them
(pywebpush: RFC 8030 delivery, RFC 8291 aes128gcm encryption, RFC 8292 VAPID).

The daily dose is pushed as a delivery channel of the outbox
(``reinforcement/services/delivery.py``), so a failed push is retried like an
email. A push service saying the subscription is gone (404, 410) ends it.
"""

import json
from dataclasses import dataclass
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.utils.translation import gettext as _
from py_vapid import Vapid02, b64urlencode
from pywebpush import WebPushException, webpush

from core.errors import ApplicationError
from reinforcement.models import PushSubscription

PUSH_TIMEOUT_SECONDS = 10
# Seconds a push service keeps an undelivered notification: a day's dose is
# worth showing until the next one.
PUSH_TTL_SECONDS = 86_400
GONE = (404, 410)


class PushRejected(ApplicationError):
    pass


@dataclass(frozen=True)
class PushResult:
    sent: int
    gone: int


def web_push_enabled() -> bool:
    return bool(
        settings.WEB_PUSH_VAPID_PUBLIC_KEY and settings.WEB_PUSH_VAPID_PRIVATE_KEY
    )


def _endpoint_refusal(endpoint: str) -> str | None:
    parts = urlsplit(endpoint)
    if parts.scheme == "https" and parts.hostname:
        return None
    if parts.scheme == "http" and parts.hostname in settings.WEB_PUSH_INSECURE_HOSTS:
        return None
    return _("A push endpoint is an https URL of a push service.")


def push_subscription_save(
    *, rep_id: int, endpoint: str, p256dh: str, auth: str
) -> PushSubscription:
    """Store a browser's subscription (again: the keys are updated)."""
    if not web_push_enabled():
        raise PushRejected("push_disabled", _("Notifications are not set up here."))
    refusal = _endpoint_refusal(endpoint)
    if refusal:
        raise PushRejected("invalid", refusal, {"endpoint": [refusal]})
    subscription, _created = PushSubscription.objects.update_or_create(
        rep_id=rep_id,
        endpoint=endpoint,
        defaults={"p256dh": p256dh, "auth": auth, "last_error": ""},
    )
    return subscription


def push_subscription_delete(*, rep_id: int, endpoint: str) -> bool:
    """Forget a subscription (the rep turned notifications off)."""
    deleted, _rows = PushSubscription.objects.filter(
        rep_id=rep_id, endpoint=endpoint
    ).delete()
    return bool(deleted)


def push_to_rep(*, rep_id: int, title: str, body: str, url: str) -> PushResult:
    """Push one notification to each of the rep's subscriptions.

    Raises ``requests.RequestException`` or ``WebPushException`` when a push
    service failed in a way worth retrying (network, 429, 5xx); a gone
    subscription is deleted and counted.
    """
    payload = json.dumps({"title": title, "body": body, "url": url})
    sent = gone = 0
    for subscription in PushSubscription.objects.filter(rep_id=rep_id):
        try:
            webpush(
                subscription_info={
                    "endpoint": subscription.endpoint,
                    "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
                },
                data=payload,
                vapid_private_key=settings.WEB_PUSH_VAPID_PRIVATE_KEY,
                vapid_claims={"sub": settings.WEB_PUSH_CONTACT},
                timeout=PUSH_TIMEOUT_SECONDS,
                ttl=PUSH_TTL_SECONDS,
            )
        except WebPushException as exc:
            status = exc.response.status_code if exc.response is not None else None
            if status in GONE:
                subscription.delete()
                gone += 1
                continue
            subscription.last_error = str(exc)[:500]
            subscription.save(update_fields=["last_error"])
            raise
        sent += 1
    return PushResult(sent=sent, gone=gone)


def vapid_keys_generate() -> tuple[str, str]:
    """A new VAPID key pair (public, private), URL-safe base64 of the raw
    P-256 keys, as WEB_PUSH_VAPID_PUBLIC_KEY and ..._PRIVATE_KEY take them."""
    vapid = Vapid02()
    vapid.generate_keys()
    private = vapid.private_key.private_numbers().private_value.to_bytes(32, "big")
    public = vapid.public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return b64urlencode(public), b64urlencode(private)
