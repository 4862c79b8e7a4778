import datetime as dt
import json

import pytest
from django.utils import timezone

from enablement.models import Membership
from revenue.models import SalesStage
from revenue.selectors.ingest import webhook_secret_cache_clear
from revenue.services.webhook_secrets import webhook_headers, webhook_secret_rotate
from tests.factories.enablement import RepProfileFactory, UserFactory

NOW = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _webhook_secrets_uncached():
    """Each test starts with this process's cache of webhook secrets empty."""
    webhook_secret_cache_clear()
    yield
    webhook_secret_cache_clear()


@pytest.fixture
def stages(organization) -> dict[str, SalesStage]:
    """Discovery, Negotiation (open), Closed Won, Closed Lost."""
    rows = [
        ("Discovery", "discovery", SalesStage.Kind.OPEN),
        ("Negotiation", "negotiation", SalesStage.Kind.OPEN),
        ("Closed Won", "closedwon", SalesStage.Kind.WON),
        ("Closed Lost", "closedlost", SalesStage.Kind.LOST),
    ]
    return {
        name: SalesStage.objects.create(
            organization=organization, name=name, external_id=key, order=i, kind=kind
        )
        for i, (name, key, kind) in enumerate(rows)
    }


@pytest.fixture
def seller(team):
    """A rep of the organization, with an external id (a CRM user id)."""
    user = UserFactory(username="ana", email="Ana@Example.com")
    RepProfileFactory(user=user, team=team)
    Membership.objects.create(
        user=user, organization=team.organization, external_id="005ANA"
    )
    return user


@pytest.fixture
def signing(organization):
    """The organization's key id and secret, and a signer of bodies."""
    row, secret = webhook_secret_rotate(organization=organization, now=timezone.now())

    def headers(body: bytes, *, at: int | None = None, key=None, secret_=None):
        stamp = str(at if at is not None else int(timezone.now().timestamp()))
        return webhook_headers(
            key_id=key or row.key_id, secret=secret_ or secret, body=body,
            timestamp=stamp,
        )  # fmt: skip

    headers.key_id = row.key_id
    headers.secret = secret
    return headers


def generic_body(*events) -> bytes:
    return json.dumps({"events": list(events)}).encode()


def deal_event(
    event_id, deal="006A", stage="Discovery", at="2026-11-30T10:00:00Z", **extra
):
    opportunity = {"id": deal, "stage": stage, **extra}
    return {
        "id": event_id,
        "type": "opportunity",
        "occurred_at": at,
        "opportunity": opportunity,
    }
