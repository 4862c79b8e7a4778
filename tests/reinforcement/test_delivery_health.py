"""Delivery health for the enablement admin: counts, resend, test messages, settings."""

import datetime as dt
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from enablement.services.groups import admin_group_sync, author_group_sync
from reinforcement.models import DailyPlan, Delivery, PromptTrigger
from reinforcement.selectors.deliveries import DeliveryDayCounts, delivery_health
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
HEALTH = "admin:reinforcement_delivery_health"
CAP = settings.REINFORCEMENT_DELIVERY_MAX_ATTEMPTS


def enablement_admin(client, organization, **fields):
    """An organization admin in the "Enablement admin" group, logged in."""
    user = UserFactory(is_staff=True, **fields)
    user.groups.add(admin_group_sync())
    organization.admins.add(user)
    client.force_login(user)
    return user


def delivery(rep, day, channel, status, *, error="", created=None):
    plan, _ = DailyPlan.objects.get_or_create(
        rep=rep, local_date=day, defaults={"planned_at": timezone.now()}
    )
    row = Delivery.objects.create(
        plan=plan, channel=channel, status=status, last_error=error
    )
    if created is not None:
        Delivery.objects.filter(pk=row.pk).update(created_at=created)
    return row


@pytest.fixture
def world():
    """Organization A's deliveries over three days; the third is outside the window."""
    team = TeamFactory(organization__name="Org A")
    r1, r2, r3 = (RepProfileFactory(team=team).user for _ in range(3))
    today = timezone.localdate()
    yesterday, old = today - dt.timedelta(days=1), today - dt.timedelta(days=14)
    early = timezone.now() - dt.timedelta(minutes=19)
    delivery(r1, today, "email", "sent")
    delivery(r2, today, "email", "sent")
    delivery(r3, today, "email", "failed", error="SMTP 554 relay denied for A")
    delivery(r1, today, "inbox", "sent")
    delivery(r2, today, "inbox", "pending", created=early)
    delivery(r3, today, "inbox", "pending", created=early + dt.timedelta(minutes=5))
    delivery(r1, today, "slack", "canceled", error="the rep left")
    delivery(r1, yesterday, "email", "pending", created=early)
    delivery(r2, yesterday, "email", "failed", error="slack: HTTP 404: no_service")
    delivery(r1, old, "email", "failed", error="too old to show")
    return {"team": team, "today": today, "yesterday": yesterday, "early": early}


def test_counts_per_day_and_channel_are_exact_and_stop_at_fourteen_days(world):
    """Each (plan day, channel) counts its rows by status, with the oldest pending's
    creation; the 15th day back is out of the window."""
    today, yesterday, early = world["today"], world["yesterday"], world["early"]
    rows = delivery_health(
        organization_id=world["team"].organization_id, today=world["today"]
    )
    assert rows == [
        DeliveryDayCounts(today, "email", 2, 0, 1, 0, None),
        DeliveryDayCounts(today, "inbox", 1, 2, 0, 0, early),
        DeliveryDayCounts(today, "slack", 0, 0, 0, 1, None),
        DeliveryDayCounts(yesterday, "email", 0, 1, 1, 0, early),
    ]


def test_a_deals_refresher_deliveries_count_on_their_day_and_list_when_failed(
    client, world
):
    """A triggered refresher's rows (no plan) count on the refresher's local day
    beside the plans', and a failed one is listed with its label and resent."""
    rep = RepProfileFactory(team=world["team"]).user
    trigger = PromptTrigger.objects.create(
        rep=rep, label="Refresher for Acme (entered Discovery)",
        reference="deal-9:discovery", local_date=world["today"],
    )  # fmt: skip
    for status in ("sent", "failed"):
        Delivery.objects.create(
            trigger=trigger, channel="email" if status == "failed" else "inbox",
            status=status, last_error="SMTP down" if status == "failed" else "",
        )  # fmt: skip
    other = PromptTrigger.objects.create(
        rep=RepProfileFactory().user, label="Another organization's",
        reference="deal-10:discovery", local_date=world["today"],
    )  # fmt: skip
    Delivery.objects.create(trigger=other, channel="email", status="failed")

    rows = delivery_health(
        organization_id=world["team"].organization_id, today=world["today"]
    )

    today = {row.channel: row for row in rows if row.local_date == world["today"]}
    assert (today["email"].sent, today["email"].failed) == (2, 2)
    assert today["inbox"].sent == 2
    enablement_admin(client, world["team"].organization)
    page = client.get(reverse(HEALTH)).content.decode()
    assert "Refresher for Acme (entered Discovery)" in page
    assert "Another organization" not in page
    client.post(reverse("admin:reinforcement_delivery_health_resend"), {
        "organization": world["team"].organization_id,
    })  # fmt: skip
    assert Delivery.objects.get(trigger=trigger, channel="email").status == "pending"
    assert Delivery.objects.get(trigger=other).status == "failed"


def test_the_page_shows_counts_and_failed_rows_with_their_last_error(client, world):
    """The admin's page has the table and each failed row's last error; the index
    links to it."""
    enablement_admin(client, world["team"].organization)
    assert reverse(HEALTH) in client.get(reverse("admin:index")).content.decode()
    response = client.get(reverse(HEALTH))
    assert response.status_code == 200
    page = response.content.decode()
    assert len(response.context["rows"]) == 4
    assert "SMTP 554 relay denied for A" in page
    assert "slack: HTTP 404: no_service" in page
    assert "too old to show" not in page
    assert "19\xa0minutes ago" in page  # the oldest pending's age
    assert 'id="resend-failed"' in page


def test_another_organizations_admin_sees_none_of_it(client, world):
    """Org B's admin sees only B (nothing), even when asking for A's id."""
    a = world["team"].organization
    enablement_admin(client, TeamFactory(organization__name="Org B").organization)
    response = client.get(reverse(HEALTH), {"organization": a.pk})
    page = response.content.decode()
    assert response.status_code == 200
    assert response.context["organization"].name == "Org B"
    assert response.context["rows"] == [] and response.context["failed"] == []
    assert "Org A" not in page and "relay denied" not in page
    # Resending for A from B's session resends nothing of A's.
    client.post(reverse(f"{HEALTH}_resend"), {"organization": a.pk})
    assert Delivery.objects.filter(status="failed").count() == 3


def test_a_superuser_picks_the_organization(client, world):
    """Superusers see every organization in a picker and A's rows when they pick A."""
    other = TeamFactory(organization__name="Org B").organization
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    a = world["team"].organization
    response = client.get(reverse(HEALTH), {"organization": a.pk})
    assert list(response.context["organizations"]) == [a, other]
    assert len(response.context["rows"]) == 4
    assert 'id="organization-picker"' in response.content.decode()


def test_an_author_without_delivery_permission_is_refused(client, world):
    """An author (content only) gets 403 from the page and no link on the index."""
    user = UserFactory(is_staff=True)
    user.groups.add(author_group_sync())
    world["team"].organization.authors.add(user)
    client.force_login(user)
    assert client.get(reverse(HEALTH)).status_code == 403
    assert reverse(HEALTH) not in client.get(reverse("admin:index")).content.decode()


def rep_with_failed_email():
    team = TeamFactory(organization__new_questions_per_day=2)
    module = ModuleFactory(methodology__organization=team.organization)
    QuestionFactory.create_batch(2, module=module)
    EnrollmentFactory(module=module, team=team, starts_on=dt.date(2026, 1, 1))
    rep = RepProfileFactory(team=team, working_days="1234567").user
    # (any time of day: before the rep's 09:00 delivery hour too)
    [outcome] = plans_create(
        rep_ids=[rep.id], now=timezone.now(), ignore_delivery_hour=True
    )
    email = Delivery.objects.get(plan_id=outcome.plan_id, channel="email")
    Delivery.objects.filter(pk=email.pk).update(
        status="failed", attempts=CAP, next_attempt_at=None, last_error="smtp down"
    )
    return team, email


def test_resend_puts_failed_back_to_pending_and_the_sweeper_sends_it(client):
    """The action resets a failed row to pending with 0 attempts; the next sweep
    enqueues its plan and the send lands in the outbox."""
    team, email = rep_with_failed_email()
    enablement_admin(client, team.organization)
    response = client.post(
        reverse("admin:reinforcement_delivery_changelist"),
        {"action": "resend_failed", "_selected_action": [email.pk]},
        follow=True,
    )
    assert "1 failed delivery is pending again" in str(
        list(get_messages(response.wsgi_request))
    )
    email.refresh_from_db()
    assert (email.status, email.attempts) == ("pending", 0)
    now = timezone.now()
    assert deliveries_sweep(now=now) == [email.plan_id]
    mail.outbox.clear()
    assert plan_deliver(plan_id=email.plan_id, now=now)["email"] == "sent"
    assert [m.to for m in mail.outbox] == [[email.plan.rep.email]]


def test_resend_button_and_action_leave_another_organizations_rows(client):
    """B's admin cannot resend A's failed row: the action's queryset is scoped."""
    _team, email = rep_with_failed_email()
    enablement_admin(client, TeamFactory().organization)
    client.post(
        reverse("admin:reinforcement_delivery_changelist"),
        {"action": "resend_failed", "_selected_action": [email.pk]},
    )
    email.refresh_from_db()
    assert email.status == "failed"


def test_resend_button_resends_the_organizations_failed_rows(client):
    """The page's button resends every failed row of the organization's window."""
    team, email = rep_with_failed_email()
    enablement_admin(client, team.organization)
    response = client.post(
        reverse(f"{HEALTH}_resend"), {"organization": team.organization_id}
    )
    assert response.status_code == 302
    email.refresh_from_db()
    assert email.status == "pending"
    assert client.get(reverse(f"{HEALTH}_resend")).status_code == 405


class SlackStub:
    """A local Slack incoming webhook: records each posted JSON, answers `status`."""

    def __init__(self):
        self.posted, self.status, self.body = [], 200, b"ok"
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers["Content-Length"])
                stub.posted.append(json.loads(self.rfile.read(length)))
                self.send_response(stub.status)
                self.end_headers()
                self.wfile.write(stub.body)

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/services/T1"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def slack():
    stub = SlackStub()
    yield stub
    stub.close()


def send_test(client, team, channel):
    url = reverse("admin:enablement_team_test_message", args=[team.pk, channel])
    response = client.post(url, follow=True)
    assert response.status_code == 200
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_slack_test_posts_to_the_webhook_and_shows_its_error(client, slack):
    """The Team page's Slack test posts JSON to the webhook; a 500 from it is shown
    with its status and body, not as an error page."""
    team = TeamFactory(name="East", slack_webhook_url=slack.url)
    admin = enablement_admin(client, team.organization, first_name="Ada")
    page = client.get(reverse("admin:enablement_team_change", args=[team.pk]))
    assert 'id="test-slack"' in page.content.decode()
    assert send_test(client, team, "slack") == [
        "Test message sent to the team's Slack webhook."
    ]
    assert len(slack.posted) == 1
    assert "East" in slack.posted[0]["text"]
    assert admin.first_name in slack.posted[0]["text"]
    slack.status, slack.body = 500, b"no_service"
    assert send_test(client, team, "slack") == [
        "The test message was not sent: slack: HTTP 500: no_service"
    ]


def test_slack_test_without_a_webhook_or_to_a_dead_port_says_why(client, slack):
    """No webhook URL, or nothing listening, gives a clear message and no 500."""
    team = TeamFactory()
    enablement_admin(client, team.organization)
    [message] = send_test(client, team, "slack")
    assert "no Slack webhook URL" in message
    url = slack.url
    slack.close()
    team.slack_webhook_url = url
    team.save()
    [message] = send_test(client, team, "slack")
    assert message.startswith("The test message was not sent: slack: ")
    assert "refused" in message.lower()


def test_email_test_lands_in_the_outbox_of_the_asking_admin(client):
    """The email test goes to the requesting admin's own address."""
    team = TeamFactory(name="West")
    admin = enablement_admin(client, team.organization, email="ada@example.com")
    mail.outbox.clear()
    assert send_test(client, team, "email") == ["Test message sent to ada@example.com."]
    assert [m.to for m in mail.outbox] == [[admin.email]]
    assert "West" in mail.outbox[0].subject
    admin.email = ""
    admin.save()
    [message] = send_test(client, team, "email")
    assert "no email address" in message
    assert len(mail.outbox) == 1


def test_test_messages_are_scoped_and_post_only(client):
    """Another organization's team is not found; a GET sends nothing."""
    team = TeamFactory()
    enablement_admin(client, TeamFactory().organization)
    url = reverse("admin:enablement_team_test_message", args=[team.pk, "email"])
    assert client.post(url).status_code == 404
    enablement_admin(client, team.organization)
    assert client.get(url).status_code == 405
    bad = reverse("admin:enablement_team_test_message", args=[team.pk, "fax"])
    assert client.post(bad).status_code == 404
    assert mail.outbox == []


def test_the_enablement_admin_edits_organization_settings_with_their_trade_offs(
    client,
):
    """The settings are editable by the organization's admin, each with help text
    saying what it costs; an out-of-range value is refused and changes nothing."""
    organization = TeamFactory().organization
    enablement_admin(client, organization)
    url = reverse("admin:enablement_organization_change", args=[organization.pk])
    page = client.get(url).content.decode()
    assert "asks more questions, steeply so above 0.90" in page
    assert "crowds out reviews" in page
    assert "lets questions pile up" in page
    assert "spread the same reviews thinner" in page
    assert "public holidays are days off" in page
    form = {
        "name": organization.name,
        "target_retention": "0.9",
        "default_daily_dose": "4",
        "new_questions_per_day": "2",
        "prompt_window_days": "5",
        "email_delivery": "on",
        "slack_delivery": "on",
        "working_days": "1234",
        "holiday_country": "GB",
        "holidays-TOTAL_FORMS": "1",
        "holidays-INITIAL_FORMS": "0",
        "holidays-0-date": "2026-12-24",
        "holidays-0-name": "Christmas Eve",
    }
    assert client.post(url, form).status_code == 302
    organization.refresh_from_db()
    assert (
        organization.target_retention,
        organization.default_daily_dose,
        organization.new_questions_per_day,
        organization.prompt_window_days,
        organization.slack_delivery,
        organization.working_days,
        organization.holiday_country,
    ) == (0.9, 4, 2, 5, True, "1234", "GB")
    assert list(organization.holidays.values_list("date", "name")) == [
        (dt.date(2026, 12, 24), "Christmas Eve")
    ]
    for bad in (
        {"target_retention": "0.99"},
        {"working_days": "1239"},
        {"holiday_country": "XX"},
    ):
        response = client.post(url, {**form, **bad, "holidays-TOTAL_FORMS": "0"})
        assert response.status_code == 200, bad
    organization.refresh_from_db()
    assert (organization.target_retention, organization.working_days) == (0.9, "1234")
    assert organization.holiday_country == "GB"


def test_email_test_to_a_dead_smtp_server_shows_the_error(client, settings):
    """With SMTP unreachable the admin reads the socket error, and nothing crashes."""
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = (
        "127.0.0.1",
        port,
        2,
    )
    team = TeamFactory()
    enablement_admin(client, team.organization)
    [message] = send_test(client, team, "email")
    assert message.startswith("The test message was not sent: email: ")
    assert "refused" in message.lower()
