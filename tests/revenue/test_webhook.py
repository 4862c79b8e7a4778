"""The signed webhook: the signature names the tenant; refusals write nothing."""

import datetime as dt
import json

import pytest
from django.utils import timezone

from revenue.models import CrmEvent, Opportunity, StageChange, WebhookSecret
from revenue.selectors.ingest import webhook_secret_cache_clear
from revenue.services.webhook_secrets import webhook_secret_rotate
from tests.factories.enablement import OrganizationFactory
from tests.revenue.conftest import deal_event, generic_body

pytestmark = pytest.mark.django_db
URL = "/api/v1/crm/events/"


def post(
    client,
    body: bytes,
    headers: dict,
    source="generic",
    content_type="application/json",
):
    return client.post(
        f"{URL}?source={source}", data=body, content_type=content_type, headers=headers
    )


def nothing_written():
    return not (
        Opportunity.objects.exists()
        or StageChange.objects.exists()
        or CrmEvent.objects.exists()
    )


def test_a_signed_batch_is_applied_with_a_result_per_event(
    client, stages, signing, seller
):
    """202; each event applied, the deal and its move written."""
    body = generic_body(
        deal_event(
            "e1", owner={"email": "ana@example.com"}, name="Acme", amount="1200.50"
        ),
        deal_event("e2", stage={"id": "negotiation"}, at="2026-11-30T11:00:00Z"),
    )
    response = post(client, body, signing(body))
    assert response.status_code == 202, response.content
    data = response.json()
    assert [r["status"] for r in data["results"]] == ["applied", "applied"]
    assert data["applied"] == 2 and data["unknown_owners"] == []
    deal = Opportunity.objects.get(external_id="006A")
    assert (deal.owner, deal.stage.name) == (seller, "Negotiation")


def test_a_replayed_delivery_is_all_duplicates(client, stages, signing):
    """The same events again (a CRM retry) change nothing."""
    body = generic_body(deal_event("e1"))
    post(client, body, signing(body))
    response = post(client, body, signing(body))
    assert response.status_code == 202
    assert [r["status"] for r in response.json()["results"]] == ["duplicate"]
    assert StageChange.objects.count() == 1 and CrmEvent.objects.count() == 1


@pytest.mark.parametrize(
    "tamper",
    [
        "signature",
        "body",
        "secret",
        "key",
        "no-headers",
        "old",
        "future",
        "garbage-time",
    ],
)
def test_a_badly_signed_request_is_refused_and_writes_nothing(
    client, stages, signing, tamper
):
    """Wrong signature, body, secret or key, or a stale timestamp: 401, nothing written."""
    body = generic_body(deal_event("e1"))
    now = int(timezone.now().timestamp())
    headers = {
        "signature": lambda: {**signing(body), "X-Reinforce-Signature": "sha256=00"},
        "body": lambda: signing(body.replace(b"006A", b"006B")),
        "secret": lambda: signing(body, secret_="whsec_guess"),
        "key": lambda: signing(body, key="whk_unknown"),
        "no-headers": lambda: {},
        "old": lambda: signing(body, at=now - 301),
        "future": lambda: signing(body, at=now + 301),
        "garbage-time": lambda: {**signing(body), "X-Reinforce-Timestamp": "soon"},
    }[tamper]()
    if tamper == "body":
        response = post(client, body, headers)
    else:
        response = post(client, body, headers)
    assert response.status_code == 401, response.content
    assert response.json()["error"]["code"] == "signature_invalid"
    assert nothing_written()


def test_an_unknown_key_and_a_wrong_signature_look_the_same(client, signing):
    """The endpoint never tells which keys (or organizations) exist."""
    body = generic_body(deal_event("e1"))
    unknown = post(client, body, signing(body, key="whk_nobody")).json()
    wrong = post(client, body, signing(body, secret_="whsec_wrong")).json()
    assert unknown == wrong


def test_another_organizations_key_writes_only_there(
    client, stages, signing, organization
):
    """A key names its organization: events signed with B's key are B's."""
    other = OrganizationFactory()
    row, secret = webhook_secret_rotate(organization=other, now=timezone.now())
    body = generic_body(deal_event("e1"))
    response = post(client, body, signing(body, key=row.key_id, secret_=secret))
    assert response.status_code == 202
    assert Opportunity.objects.get().organization == other
    assert not Opportunity.objects.filter(organization=organization).exists()


def test_after_rotation_both_secrets_verify_until_the_old_expires(
    client, stages, signing, organization
):
    """The overlap: old and new sign; after expiry the old is refused."""
    now = timezone.now()
    new, new_secret = webhook_secret_rotate(
        organization=organization, now=now, overlap_hours=2
    )
    old = WebhookSecret.objects.get(key_id=signing.key_id)
    assert old.expires_at == now + dt.timedelta(hours=2) and new.expires_at is None
    body = generic_body(deal_event("e1"))
    assert post(client, body, signing(body)).status_code == 202
    body2 = generic_body(deal_event("e2", at="2026-11-30T12:00:00Z"))
    assert (
        post(
            client, body2, signing(body2, key=new.key_id, secret_=new_secret)
        ).status_code
        == 202
    )
    WebhookSecret.objects.filter(pk=old.pk).update(
        expires_at=now - dt.timedelta(seconds=1)
    )
    # As if CRM_SECRET_CACHE_SECONDS had passed (test_webhook_secret_cache.py).
    webhook_secret_cache_clear()
    body3 = generic_body(deal_event("e3", at="2026-11-30T13:00:00Z"))
    assert post(client, body3, signing(body3)).status_code == 401


def test_the_secret_is_stored_encrypted(signing):
    """The database holds a Fernet token, not the secret."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM revenue_webhooksecret")
        (stored,) = cursor.fetchone()
    assert signing.secret not in stored and stored.startswith("gAAAA")


def test_an_unreadable_event_refuses_the_batch_whole(client, stages, signing):
    """One bad event: 422 naming it, and the good ones are not applied."""
    body = generic_body(
        deal_event("good"),
        {
            "id": "bad",
            "type": "opportunity",
            "occurred_at": "yesterday",
            "opportunity": {"id": "X"},
        },
    )
    response = post(client, body, signing(body))
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "crm_batch_invalid"
    assert "bad: occurred_at" in error["fields"]["events.1"][0]
    assert nothing_written()


@pytest.mark.parametrize(
    "body,source",
    [
        (b"not json", "generic"),
        (b"[1,2]", "generic"),
        (b'{"events": [1]}', "generic"),
        (b"[" * 5000 + b"]" * 5000, "generic"),
        (b"\xff\xfe", "hubspot"),
        (b"<x><!DOCTYPE boom [<!ENTITY a 'aaaa'>]></x>", "salesforce"),
        (
            b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY e SYSTEM "file:///etc/passwd">]><r>&e;</r>',
            "salesforce",
        ),
        (b'{"events": []}', "nope"),
        (
            json.dumps(
                {
                    "events": [
                        {
                            "id": "e",
                            "type": "opportunity",
                            "occurred_at": "2026-11-30T10:00:00Z",
                            "opportunity": {"id": "A" * 500},
                        }
                    ]
                }
            ).encode(),
            "generic",
        ),
        (
            json.dumps(
                {
                    "events": [
                        {
                            "id": "e",
                            "type": "opportunity",
                            "occurred_at": "2026-11-30T10:00:00Z",
                            "opportunity": {"id": "A", "amount": "1e30"},
                        }
                    ]
                }
            ).encode(),
            "generic",
        ),
        (
            json.dumps(
                {
                    "events": [
                        {
                            "id": "e",
                            "type": "opportunity",
                            "occurred_at": 10**30,
                            "opportunity": {"id": "A"},
                        }
                    ]
                }
            ).encode(),
            "generic",
        ),
    ],
)
def test_no_body_is_a_server_error(client, stages, signing, body, source):
    """Malformed, hostile or out-of-range bodies: a 4xx, nothing written."""
    response = post(client, body, signing(body), source=source)
    assert 400 <= response.status_code < 500, response.content
    assert nothing_written()


@pytest.mark.parametrize(
    "content_type",
    ["application/x-www-form-urlencoded", "multipart/form-data; boundary=x"],
)
def test_a_form_body_is_refused_not_a_server_error(
    client, stages, signing, content_type
):
    """A signed body that is not JSON, whatever its content type: 400, nothing written."""
    body = b"events=1&x=2"
    response = post(client, body, signing(body), content_type=content_type)
    assert response.status_code == 400, response.content
    assert nothing_written()


def test_get_is_not_allowed(client, signing):
    """Only POST: a GET is refused (its empty body is signed, the method is not)."""
    response = client.get(URL, headers=signing(b""))
    assert response.status_code == 405
