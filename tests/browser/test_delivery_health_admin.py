"""An enablement admin (not a superuser) in Chromium: from the admin index to
Delivery health, resends a failed email, then tests the team's Slack webhook."""

import pytest
from django.utils import timezone

from enablement.services.groups import admin_group_sync
from reinforcement.models import DailyPlan, Delivery
from tests.browser.conftest import ARTIFACTS, log_in
from tests.factories.enablement import RepProfileFactory, TeamFactory, UserFactory
from tests.reinforcement.test_delivery_health import SlackStub

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_admin_reads_delivery_health_resends_and_tests_slack(browser, live_server):
    # given: a team whose rep's email failed, with a (local) Slack webhook
    slack = SlackStub()
    team = TeamFactory(name="East", slack_webhook_url=slack.url)
    rep = RepProfileFactory(team=team).user
    plan = DailyPlan.objects.create(
        rep=rep, local_date=timezone.localdate(), planned_at=timezone.now()
    )
    failed = Delivery.objects.create(
        plan=plan, channel="email", status="failed", attempts=8, last_error="smtp down"
    )
    admin = UserFactory(username="enable", password="s3cret-pass", is_staff=True)
    admin.groups.add(admin_group_sync())
    team.organization.admins.add(admin)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        log_in(
            page,
            f"{live_server.url}/admin/login/?next=/admin/",
            "enable",
            "s3cret-pass",
        )

        # when: they open Delivery health from the index
        page.click("text=Delivery health")

        # then: today's email row counts one failed, listed with its error
        row = page.locator("#delivery-health tr[data-channel=email]")
        assert row.locator("td.failed").text_content() == "1"
        assert page.text_content("#failed-deliveries .last-error") == "smtp down"
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "delivery-health.png"))

        # when: they resend; then: the row is pending again with no attempts
        page.click("#resend-failed button")
        page.wait_for_selector(".messagelist .success")
        assert page.locator("#delivery-health td.pending").first.text_content() == "1"
        failed.refresh_from_db()
        assert (failed.status, failed.attempts) == ("pending", 0)

        # when: they send a Slack test from the team's page
        page.goto(f"{live_server.url}/admin/enablement/team/{team.pk}/change/")
        page.click("#test-slack")

        # then: the webhook got one post and the page says so; a 500 is shown as such
        page.wait_for_selector(".messagelist .success")
        assert len(slack.posted) == 1
        slack.status, slack.body = 500, b"no_service"
        page.click("#test-slack")
        page.wait_for_selector(".messagelist .error")
        assert "slack: HTTP 500: no_service" in page.text_content(".messagelist")
    finally:
        context.close()
        slack.close()
