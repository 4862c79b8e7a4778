"""A rep sees their points and team leaderboard, then changes their settings in
headless Chromium: a vacation ending before it starts is explained next to its
field and saves nothing; a valid one is saved. axe-core finds no serious or
critical violation on Progress's Points section or the Settings page, with or
without errors."""

import json
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from enablement.models import RepProfile
from reinforcement.models import RepDay
from tests.browser.conftest import axe_violations
from tests.factories.enablement import RepProfileFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_rep_sets_a_vacation_on_the_settings_page(browser, live_server):
    profile = RepProfileFactory(user=UserFactory(username="ana"))
    organization = profile.team.organization
    organization.engagement_enabled = organization.leaderboard_names = True
    organization.save()
    mate = RepProfileFactory(team=profile.team, user=UserFactory(first_name="Bo"))
    for rep, on_time in ((profile.user, 2), (mate.user, 1)):
        RepDay.objects.create(
            rep=rep, day=timezone.localdate(), delivered=2, answered=2,
            answered_on_time=on_time,
        )  # fmt: skip
    page = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    page.goto(live_server.url + "/login/")
    page.get_by_label("Username").fill("ana")
    page.get_by_label("Password").fill("pw")
    page.get_by_role("button", name="Log in").click()
    expect(page).not_to_have_url(re.compile("/login/"))

    # The Progress page's Points section: rank and the named top of the team.
    page.goto(live_server.url + "/progress/")
    expect(page.locator("#leaderboard")).to_contain_text("Bo")
    expect(page.locator("#rank")).to_have_text("1")
    violations = axe_violations(page)
    assert violations == [], json.dumps(violations, indent=1)

    page.get_by_role("link", name="Settings", exact=True).click()
    expect(page.get_by_role("heading", name="Your settings")).to_be_visible()
    assert axe_violations(page) == [], json.dumps(axe_violations(page), indent=1)

    page.get_by_label("Time zone").select_option("Europe/Lisbon")
    page.get_by_label("Vacation from").fill("2026-12-20")
    page.get_by_label("Vacation until (the last day off)").fill("2026-12-10")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_role("alert")).to_contain_text("Nothing was saved")
    expect(page.locator("#paused_until-error")).to_contain_text(
        "cannot end before it starts"
    )
    violations = axe_violations(page)
    assert violations == [], json.dumps(violations, indent=1)
    assert RepProfile.objects.get(pk=profile.pk).time_zone == "UTC"

    page.get_by_label("Vacation until (the last day off)").fill("2026-12-24")
    page.get_by_label("Keep me out of points and the team leaderboard").check()
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_role("status")).to_contain_text("Saved")
    profile.refresh_from_db()
    assert profile.time_zone == "Europe/Lisbon"
    assert str(profile.paused_from) == "2026-12-20"
    assert str(profile.paused_until) == "2026-12-24"
    assert profile.engagement_opt_out is True
    page.context.close()
