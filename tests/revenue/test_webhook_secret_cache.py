"""The webhook's per-process cache of secrets, and what a request costs.

The cache saves a query per request; it never lets a secret verify past its
expiry, and a change made elsewhere reaches a process within its TTL.
"""

import datetime as dt

import pytest
from cachetools import TTLCache
from django.utils import timezone

from revenue.models import Opportunity, StageChange, WebhookSecret
from revenue.selectors import ingest as selectors
from revenue.services.webhook_secrets import (
    SignatureRejected,
    webhook_request_verify,
    webhook_secret_rotate,
    webhook_signature,
)
from tests.revenue.conftest import deal_event, generic_body

pytestmark = pytest.mark.django_db
URL = "/api/v1/crm/events/?source=generic"
BODY = b'{"events": []}'


def verify(key_id: str, secret: str, at: dt.datetime):
    stamp = str(int(at.timestamp()))
    return webhook_request_verify(
        key_id=key_id,
        timestamp=stamp,
        signature=webhook_signature(secret=secret, timestamp=stamp, body=BODY),
        body=BODY,
        now=at,
    )


@pytest.fixture
def clock(monkeypatch):
    """The cache on a clock the test moves (seconds), TTL 30 s."""
    now = [0.0]
    monkeypatch.setattr(
        selectors, "_secrets", TTLCache(maxsize=16, ttl=30, timer=lambda: now[0])
    )
    return now


def test_a_rotated_out_secret_is_refused_after_the_overlap_though_cached(
    organization,
):
    """The cached row carries its expiry: one second past the overlap the old
    secret is refused, the new one still verifies."""
    now = timezone.now()
    old, old_secret = webhook_secret_rotate(organization=organization, now=now)
    new, new_secret = webhook_secret_rotate(
        organization=organization, now=now, overlap_hours=2
    )
    assert verify(old.key_id, old_secret, now) == organization  # now cached
    assert selectors._secrets[old.key_id].expires_at == now + dt.timedelta(hours=2)
    later = now + dt.timedelta(hours=2, seconds=1)
    with pytest.raises(SignatureRejected):
        verify(old.key_id, old_secret, later)
    assert verify(new.key_id, new_secret, later) == organization


def test_a_change_made_by_another_process_arrives_within_the_ttl(
    organization, clock, django_assert_num_queries
):
    """Another process expires the secret (no signal reaches this one): it
    still verifies here from the cache, without a query, until the TTL has
    passed; then the row is read again and the secret refused."""
    now = timezone.now()
    row, secret = webhook_secret_rotate(organization=organization, now=now)
    verify(row.key_id, secret, now)
    WebhookSecret.objects.filter(pk=row.pk).update(
        expires_at=now - dt.timedelta(seconds=1)
    )
    clock[0] = 29
    with django_assert_num_queries(0):
        assert verify(row.key_id, secret, now) == organization
    clock[0] = 31
    with pytest.raises(SignatureRejected), django_assert_num_queries(1):
        verify(row.key_id, secret, now)


def test_a_rotation_here_is_seen_at_once(
    organization, clock, django_capture_on_commit_callbacks
):
    """Rotating in this process forgets the cache on commit: with no overlap
    the old secret is refused by the next request."""
    now = timezone.now()
    old, old_secret = webhook_secret_rotate(organization=organization, now=now)
    verify(old.key_id, old_secret, now)
    with django_capture_on_commit_callbacks(execute=True):
        webhook_secret_rotate(organization=organization, now=now, overlap_hours=0)
    with pytest.raises(SignatureRejected):
        verify(old.key_id, old_secret, now + dt.timedelta(seconds=1))


def test_a_deleted_secret_is_refused_at_once_here(organization, clock):
    """Deleting the row (admin) empties this process's cache."""
    now = timezone.now()
    row, secret = webhook_secret_rotate(organization=organization, now=now)
    verify(row.key_id, secret, now)
    WebhookSecret.objects.get(pk=row.pk).delete()
    with pytest.raises(SignatureRejected):
        verify(row.key_id, secret, now)


def test_an_unknown_key_is_cached_too(organization, clock, django_assert_num_queries):
    """A miss is remembered like a hit (bounded), so a known and an unknown key
    cost the same; a flood of unknown keys only evicts, never grows the cache."""
    now = timezone.now()
    with pytest.raises(SignatureRejected):
        verify("whk_nobody", "whsec_x", now)
    with pytest.raises(SignatureRejected), django_assert_num_queries(0):
        verify("whk_nobody", "whsec_x", now)
    for i in range(40):
        with pytest.raises(SignatureRejected):
            verify(f"whk_{i}", "whsec_x", now)
    assert len(selectors._secrets) == 16


def test_a_single_event_request_makes_at_most_eight_queries(
    client, stages, signing, seller, django_assert_max_num_queries
):
    """One event moving a known deal, the secret cached: transaction start
    and end, the event id claimed, stages, owners, the deal locked, the deal
    upserted, the move appended. A regression (a query per event or per
    lookup) fails here."""

    def send(event):
        body = generic_body(event)
        return client.post(
            URL, data=body, content_type="application/json", headers=signing(body)
        )

    assert send(deal_event("e1", owner={"id": "005ANA"})).status_code == 202
    with django_assert_max_num_queries(8):
        response = send(
            deal_event(
                "e2",
                stage="Negotiation",
                at="2026-11-30T11:00:00Z",
                owner={"id": "005ANA"},
            )
        )
    assert response.status_code == 202, response.content
    assert response.json()["applied"] == 1
    deal = Opportunity.objects.get(external_id="006A")
    assert (deal.stage.name, deal.owner) == ("Negotiation", seller)
    assert StageChange.objects.filter(opportunity=deal).count() == 2
