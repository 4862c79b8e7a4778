"""A new rep follows the emailed invitation link on a phone, sets a password and sees
a question."""

import datetime as dt
import re

import pytest
from django.core import mail
from django.test import override_settings
from django.utils import timezone
from playwright.sync_api import expect

from enablement.models import AccountEmail
from enablement.services.invitations import account_email_deliver
from enablement.services.people import PersonData, person_upsert
from reinforcement.services.planning import plans_create
from tests.browser.conftest import ARTIFACTS
from tests.factories.enablement import (
    EnrollmentFactory,
    ModuleFactory,
    QuestionFactory,
    TeamFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
LINK = re.compile(r"https?://\S+/invitation/\S+/")


def test_new_rep_follows_the_invitation_and_sees_a_question(browser, live_server):
    # given: a team enrolled in a module, and a new rep added with an invitation
    team = TeamFactory(name="New hires")
    module = ModuleFactory(methodology__organization=team.organization)
    for _ in range(3):
        QuestionFactory(module=module)
    EnrollmentFactory(module=module, team=team, starts_on=dt.date(2026, 1, 1))
    rep = person_upsert(
        organization=team.organization,
        data=PersonData(
            email="nia@example.com", first_name="Nia", team=team,
            working_days="1234567",
        ),
        invite=True,
    ).user  # fmt: skip
    [outcome] = plans_create(
        rep_ids=[rep.pk], now=timezone.now(), ignore_delivery_hour=True
    )
    assert outcome.status == "planned"
    with override_settings(SITE_URL=live_server.url):
        row = AccountEmail.objects.get(user=rep)
        assert account_email_deliver(email_id=row.pk, now=timezone.now()) == "sent"
    [message] = mail.outbox
    link = LINK.search(message.body).group(0)

    # when: they open the link on a phone and choose a password
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.goto(link)
    expect(
        page.get_by_role("heading", name="Welcome: choose your password")
    ).to_be_visible()
    page.get_by_label("New password", exact=True).fill("a-long-new-passphrase-7")
    page.get_by_label("New password again").fill("a-long-new-passphrase-7")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "invitation-set-password-390.png"))
    page.get_by_role("button", name="Set password and start").click()

    # then: they are logged in on Today with a question, and the page fits the phone
    expect(page.locator("form.question")).to_be_visible()
    assert page.url.rstrip("/") == live_server.url
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=str(ARTIFACTS / "invitation-first-question-390.png"))
    rep.refresh_from_db()
    assert rep.check_password("a-long-new-passphrase-7")

    # and the same link is refused a second time
    page.goto(link)
    expect(
        page.get_by_role("heading", name="This link no longer works")
    ).to_be_visible()
    context.close()
