"""The daily dose as a Microsoft Teams Adaptive Card through a team's Workflows
webhook: a local HTTP server records what Teams would receive. The card has
Adaptive Card's documented shape, links each question already chosen on the
rep's Today page, is retried by the outbox like any channel, and the admin's
"Send test Teams message" posts to the same webhook."""

import datetime as dt
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlparse

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from enablement.models import AuditEntry, Team
from enablement.services.groups import admin_group_sync
from reinforcement.models import Delivery
from reinforcement.services.delivery import deliveries_sweep, plan_deliver
from reinforcement.services.planning import plans_create
from tests.factories.enablement import (
    EnrollmentFactory,
    ModuleFactory,
    QuestionFactory,
    RepProfileFactory,
    TeamFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 24, 15, 0, tzinfo=dt.UTC)
CARD_TYPE = "application/vnd.microsoft.card.adaptive"


class WorkflowsStub:
    """A local Teams Workflows webhook: records each JSON body, answers `status`
    (202 Accepted, as the real trigger does)."""

    def __init__(self):
        self.posted, self.status, self.body = [], 202, b""
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers["Content-Length"])
                stub.posted.append(
                    (self.headers["Content-Type"], json.loads(self.rfile.read(length)))
                )
                self.send_response(stub.status)
                self.end_headers()
                self.wfile.write(stub.body)

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = (
            f"http://127.0.0.1:{self.server.server_port}/workflows/abc/triggers/"
            "manual/paths/invoke?api-version=1&sig=SECRET"
        )
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def teams():
    stub = WorkflowsStub()
    yield stub
    stub.close()


def teams_rep(url: str, *, dose: int = 2):
    team = TeamFactory(
        organization__default_daily_dose=dose,
        organization__new_questions_per_day=dose,
        organization__email_delivery=False,
        organization__teams_delivery=True,
        teams_webhook_url=url,
    )
    module = ModuleFactory(methodology__organization=team.organization)
    QuestionFactory.create_batch(dose + 1, module=module)
    EnrollmentFactory(module=module, team=team, starts_on=dt.date(2026, 1, 1))
    return RepProfileFactory(
        team=team, working_days="1234567", user__first_name="Ana"
    ).user


def assert_adaptive_card_message(message: dict) -> dict:
    """The Workflows message shape: one attachment of an Adaptive Card."""
    assert message["type"] == "message"
    [attachment] = message["attachments"]
    assert attachment["contentType"] == CARD_TYPE
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard"
    assert card["$schema"] == "http://adaptivecards.io/schemas/adaptive-card.json"
    assert re.fullmatch(r"1\.[0-6]", card["version"])
    assert isinstance(card["body"], list) and card["body"]
    assert isinstance(card["actions"], list)
    for element in card["body"]:
        assert element["type"] in {"TextBlock", "Container"}
        for item in element.get("items", []):
            assert item["type"] == "TextBlock" and item["text"]
    for action in card["actions"]:
        assert action["type"] == "Action.OpenUrl"
        assert action["title"] and urlparse(action["url"]).scheme in {"http", "https"}
    return card


def test_the_dose_is_posted_as_an_adaptive_card_with_links_to_each_question(
    teams, client
):
    """Planned with Teams on: a teams Delivery row; sent: one card naming the rep,
    the stems and a button per question that opens it chosen on Today."""
    rep = teams_rep(teams.url)
    now = timezone.now()  # the page shows prompts still open now
    [outcome] = plans_create(rep_ids=[rep.id], now=now, ignore_delivery_hour=True)
    assert set(
        Delivery.objects.filter(plan_id=outcome.plan_id).values_list(
            "channel", flat=True
        )
    ) == {"inbox", "teams"}
    assert plan_deliver(plan_id=outcome.plan_id, now=now) == {
        "inbox": "sent",
        "teams": "sent",
    }
    [(content_type, message)] = teams.posted
    assert content_type == "application/json"
    card = assert_adaptive_card_message(message)
    prompts = list(rep.prompts.order_by("position"))
    assert "Ana: your 2 questions for today" in card["body"][0]["text"]
    text = json.dumps(card)
    for prompt in prompts:
        assert prompt.question.stem in text
        for choice in prompt.question.choices.all():
            assert choice.text not in text  # the channel is shared
    questions = [a for a in card["actions"] if a["title"].startswith("Answer")]
    assert len(questions) == 2
    link = urlparse(questions[1]["url"])
    assert link.path == reverse("rep:today")
    assert parse_qs(link.query)["prompt"] == [str(prompts[1].pk)]
    assert link.geturl().startswith(settings.SITE_URL.rstrip("/"))

    # The link opens that question, not the first, on the rep's Today page.
    client.force_login(rep)
    page = client.get(f"{link.path}?{link.query}").content.decode()
    assert prompts[1].question.stem in page
    assert prompts[0].question.stem not in page


def test_a_failing_webhook_is_retried_by_the_outbox_and_sent_once(teams):
    """A 502 leaves the teams row pending with the error; the sweeper's next try
    posts it; sending again posts nothing more."""
    rep = teams_rep(teams.url)
    [outcome] = plans_create(rep_ids=[rep.id], now=NOW)
    teams.status, teams.body = 502, b'{"error":{"code":"BadGateway"}}'
    assert plan_deliver(plan_id=outcome.plan_id, now=NOW)["teams"] == "pending"
    row = Delivery.objects.get(plan_id=outcome.plan_id, channel="teams")
    assert row.last_error.startswith("teams: HTTP 502")
    assert "BadGateway" in row.last_error

    teams.status = 202
    later = NOW + dt.timedelta(hours=2)
    assert deliveries_sweep(now=later) == [outcome.plan_id]
    assert plan_deliver(plan_id=outcome.plan_id, now=later)["teams"] == "sent"
    assert plan_deliver(plan_id=outcome.plan_id, now=later)["teams"] == "sent"
    assert len(teams.posted) == 2  # the failed attempt and the one that went through


def test_admin_sends_a_test_card_and_the_webhook_url_stays_secret(client, teams):
    """The Team page's "Send test Teams message" posts a card; the URL is stored
    encrypted and never written to the audit log."""
    team = TeamFactory(name="East", teams_webhook_url=teams.url)
    admin = UserFactory(is_staff=True, first_name="Ada")
    admin.groups.add(admin_group_sync())
    team.organization.admins.add(admin)
    client.force_login(admin)
    page = client.get(reverse("admin:enablement_team_change", args=[team.pk]))
    assert 'id="test-teams"' in page.content.decode()
    url = reverse("admin:enablement_team_test_message", args=[team.pk, "teams"])
    response = client.post(url, follow=True)
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Test message sent to the team's Teams webhook."
    ]
    [(_type, message)] = teams.posted
    card = assert_adaptive_card_message(message)
    assert "East" in card["body"][0]["text"] and "Ada" in card["body"][0]["text"]

    teams.status, teams.body = 400, b"WorkflowTriggerIsNotEnabled"
    response = client.post(url, follow=True)
    [error] = [str(m) for m in get_messages(response.wsgi_request)]
    assert "HTTP 400: WorkflowTriggerIsNotEnabled" in error

    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT teams_webhook_url FROM enablement_team WHERE id = %s", [team.pk]
        )
        [stored] = cursor.fetchone()
    assert "SECRET" not in stored and Team.objects.get(pk=team.pk).teams_webhook_url
    assert "SECRET" not in json.dumps(list(AuditEntry.objects.values("changes")))
