"""One tap from the daily email on a phone, in Chromium: the link opens the
question with that choice selected, the rep says how sure and submits once;
the used link, and the unsubscribe page, explain themselves. axe-core finds no
serious or critical violation on any of these pages."""

import datetime as dt
import re

import pytest
from django.core import mail
from django.test import override_settings
from django.utils import timezone
from playwright.sync_api import expect

from enablement.models import RepProfile
from reinforcement.models import Answer
from reinforcement.services.delivery import plan_deliver
from reinforcement.services.planning import plans_create
from tests.browser.conftest import ARTIFACTS, axe_violations
from tests.factories.enablement import (
    EnrollmentFactory,
    ModuleFactory,
    QuestionFactory,
    RepProfileFactory,
    TeamFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}


def test_one_tap_answer_on_a_phone(browser, live_server):
    # given: a rep's dose emailed with links to this server
    team = TeamFactory(
        organization__new_questions_per_day=1, organization__default_daily_dose=1
    )
    module = ModuleFactory(methodology__organization=team.organization)
    QuestionFactory(
        module=module, stem="Which question opens discovery best?",
        choices=[("What made you look now?", True), ("Can I show a demo?", False),
                 ("Who else decides?", False)],
    )  # fmt: skip
    EnrollmentFactory(module=module, team=team, starts_on=dt.date(2026, 1, 1))
    rep = RepProfileFactory(team=team, working_days="1234567").user
    now = timezone.now()
    with override_settings(SITE_URL=live_server.url):
        [outcome] = plans_create(rep_ids=[rep.id], now=now, ignore_delivery_hour=True)
        plan_deliver(plan_id=outcome.plan_id, now=now)
    [message] = mail.outbox
    html, _ = message.alternatives[0]
    link = re.search(
        r'href="([^"]+/email/answer/[^"]+)"[^>]*>Can I show a demo\?', html
    ).group(1)
    page = browser.new_context(viewport=PHONE).new_page()

    # when: the rep taps "Can I show a demo?" in the email
    page.goto(link)
    # then: the question opens with that choice selected, asking how sure
    expect(page.get_by_role("heading", name="Which question opens discovery best?"))
    expect(page.get_by_label("Can I show a demo?")).to_be_checked()
    expect(page.get_by_label("What made you look now?")).not_to_be_checked()
    assert axe_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "email-one-tap-390.png"))
    assert not Answer.objects.exists()  # opening it answered nothing

    # when: they change their mind, say how sure, and submit
    page.get_by_label("What made you look now?").check()
    page.get_by_label("Certain").check()
    page.get_by_role("button", name="Submit answer").click()
    expect(page.get_by_role("heading", name="Right")).to_be_visible()
    assert axe_violations(page) == []
    [answer] = Answer.objects.all()
    assert answer.channel == "email" and answer.correct

    # and the link, opened again, says it was used and records nothing
    page.goto(link)
    expect(page.get_by_role("heading", name="This link can't answer")).to_be_visible()
    expect(page.get_by_text("already used")).to_be_visible()
    assert axe_violations(page) == []
    assert Answer.objects.count() == 1

    # and the unsubscribe page asks first, then turns email off
    unsubscribe = re.search(r"<([^>]+)>", message.extra_headers["List-Unsubscribe"])
    page.goto(unsubscribe.group(1).replace("http://127.0.0.1:8000", live_server.url))
    expect(page.get_by_role("heading", name="Stop these emails?")).to_be_visible()
    assert axe_violations(page) == []
    assert RepProfile.objects.get(user=rep).channels_off == ""
    page.get_by_role("button", name="Stop emails").click()
    expect(page.get_by_role("heading", name="Email is off")).to_be_visible()
    assert RepProfile.objects.get(user=rep).channels_off == "email"
