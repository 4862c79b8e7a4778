"""Web Push of the daily dose: a browser's subscription is stored, and the push
reaches a local push service signed with VAPID and encrypted to the browser."""

import base64
import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import urlencode

import http_ece
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from django.urls import reverse

from reinforcement.models import DailyPlan, Delivery, PushSubscription
from reinforcement.services.delivery import plan_deliver
from reinforcement.services.planning import plans_create
from reinforcement.services.web_push import vapid_keys_generate
from tests.factories.enablement import (
    EnrollmentFactory,
    ModuleFactory,
    QuestionFactory,
    RepProfileFactory,
    TeamFactory,
)

pytestmark = pytest.mark.django_db
TUESDAY = dt.datetime(2026, 11, 24, 15, 0, tzinfo=dt.UTC)
URL = "/api/v1/me/push-subscriptions/"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class PushService:
    """A local push service: records each POST, answers with ``status``."""

    def __init__(self, status: int = 201):
        self.status = status
        self.requests: list[tuple[str, dict, bytes]] = []
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                headers = {k.lower(): v for k, v in self.headers.items()}
                service.requests.append((self.path, headers, body))
                self.send_response(service.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


class Browser:
    """A subscriber's keys, as a browser makes them (RFC 8291)."""

    def __init__(self, endpoint: str):
        self.private_key = ec.generate_private_key(ec.SECP256R1())
        public = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        self.auth = b"0123456789abcdef"
        self.json = {
            "endpoint": endpoint,
            "expirationTime": None,
            "keys": {"p256dh": b64(public), "auth": b64(self.auth)},
        }

    def decrypt(self, body: bytes) -> dict:
        plain = http_ece.decrypt(
            body, private_key=self.private_key, auth_secret=self.auth,
            version="aes128gcm",
        )  # fmt: skip
        return json.loads(plain)


@pytest.fixture
def vapid(settings):
    public, private = vapid_keys_generate()
    settings.WEB_PUSH_VAPID_PUBLIC_KEY = public
    settings.WEB_PUSH_VAPID_PRIVATE_KEY = private
    settings.WEB_PUSH_CONTACT = "mailto:ops@acme.test"
    settings.WEB_PUSH_INSECURE_HOSTS = ["127.0.0.1"]
    return public


@pytest.fixture
def push_service():
    service = PushService()
    yield service
    service.close()


def planned_rep():
    team = TeamFactory(organization__email_delivery=False)
    module = ModuleFactory(methodology__organization=team.organization)
    for _ in range(3):
        QuestionFactory(module=module)
    EnrollmentFactory(module=module, team=team, starts_on=dt.date(2026, 1, 1))
    return RepProfileFactory(team=team).user


def verify_vapid(authorization: str, public_key: str, audience: str) -> dict:
    """Check the RFC 8292 header: an ES256 JWT for the push service's origin,
    signed by the server's key, which the header also names."""
    scheme, _, params = authorization.partition(" ")
    fields = dict(part.strip().split("=", 1) for part in params.split(","))
    assert scheme == "vapid" and fields["k"] == public_key
    head, claims, signature = fields["t"].split(".")
    raw = unb64(signature)
    der = encode_dss_signature(
        int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")
    )
    key = ec.EllipticCurvePublicKey.from_encoded_point(
        ec.SECP256R1(), unb64(public_key)
    )
    key.verify(der, f"{head}.{claims}".encode(), ec.ECDSA(hashes.SHA256()))
    payload = json.loads(unb64(claims))
    assert payload["aud"] == audience
    return payload


def test_a_rep_subscribes_a_browser_and_the_dose_is_pushed_signed_and_encrypted(
    client, vapid, push_service
):
    rep = planned_rep()
    browser = Browser(f"{push_service.url}/push/abc")
    client.force_login(rep)
    assert client.get(URL).json() == {"enabled": True, "public_key": vapid}
    response = client.post(URL, browser.json, content_type="application/json")
    assert response.status_code == 201, response.content
    # Subscribing the same browser again updates it: still one row.
    client.post(URL, browser.json, content_type="application/json")
    assert PushSubscription.objects.filter(rep=rep).count() == 1

    [outcome] = plans_create(rep_ids=[rep.pk], now=TUESDAY)
    channels = Delivery.objects.filter(plan_id=outcome.plan_id)
    assert sorted(channels.values_list("channel", flat=True)) == ["inbox", "push"]
    result = plan_deliver(plan_id=outcome.plan_id, now=TUESDAY)
    assert result["push"] == "sent"

    [(path, headers, body)] = push_service.requests
    assert path == "/push/abc"
    assert headers["content-encoding"] == "aes128gcm"
    assert headers["ttl"] == "86400"
    claims = verify_vapid(headers["authorization"], vapid, push_service.url)
    assert claims["sub"] == "mailto:ops@acme.test"
    message = browser.decrypt(body)
    assert message["title"] == "Your 3 questions for today"
    assert message["url"].endswith(reverse("rep:today"))
    # Sent once: delivering again pushes nothing more.
    plan_deliver(plan_id=outcome.plan_id, now=TUESDAY)
    assert len(push_service.requests) == 1


def test_a_gone_subscription_is_removed_and_a_failing_service_is_retried(
    client, vapid, push_service
):
    rep = planned_rep()
    browser = Browser(f"{push_service.url}/push/gone")
    client.force_login(rep)
    client.post(URL, browser.json, content_type="application/json")
    [outcome] = plans_create(rep_ids=[rep.pk], now=TUESDAY)

    push_service.status = 503
    assert plan_deliver(plan_id=outcome.plan_id, now=TUESDAY)["push"] == "pending"
    delivery = Delivery.objects.get(plan_id=outcome.plan_id, channel="push")
    assert "503" in delivery.last_error and delivery.next_attempt_at is not None

    push_service.status = 410
    delivery.next_attempt_at = TUESDAY
    delivery.save()
    assert plan_deliver(plan_id=outcome.plan_id, now=TUESDAY)["push"] == "sent"
    assert not PushSubscription.objects.filter(rep=rep).exists()
    # No subscription left: tomorrow's plan has no push channel.
    DailyPlan.objects.all().delete()
    [tomorrow] = plans_create(rep_ids=[rep.pk], now=TUESDAY + dt.timedelta(days=1))
    assert not Delivery.objects.filter(
        plan_id=tomorrow.plan_id, channel="push"
    ).exists()


def test_bad_subscriptions_are_refused_and_another_rep_cannot_remove_one(
    client, vapid, settings
):
    rep, other = planned_rep(), planned_rep()
    client.force_login(rep)
    internal = Browser("http://10.0.0.5/admin")
    response = client.post(URL, internal.json, content_type="application/json")
    assert response.status_code == 400
    assert "https" in response.json()["error"]["fields"]["endpoint"][0]
    for body in ({"endpoint": "https://push.example/x"}, {"keys": "x"}, []):
        response = client.post(URL, body, content_type="application/json")
        assert response.status_code == 400, body
    assert not PushSubscription.objects.exists()

    good = Browser("https://push.example/rep-1")
    assert (
        client.post(URL, good.json, content_type="application/json").status_code == 201
    )
    client.force_login(other)
    gone = client.delete(URL + "?" + urlencode({"endpoint": good.json["endpoint"]}))
    assert gone.status_code == 404
    assert PushSubscription.objects.filter(rep=rep).count() == 1
    client.force_login(rep)
    gone = client.delete(URL + "?" + urlencode({"endpoint": good.json["endpoint"]}))
    assert gone.status_code == 204
    assert not PushSubscription.objects.exists()

    settings.WEB_PUSH_VAPID_PRIVATE_KEY = ""
    assert client.get(URL).json() == {"enabled": False, "public_key": ""}
    response = client.post(URL, good.json, content_type="application/json")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "push_disabled"
