"""An enablement admin (not a superuser) in Chromium sets the organization's working
days, holiday country and a company holiday, a rep following the organization gets no
plan that day, and the audit log shows each change with who made it."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from enablement.models import Holiday
from enablement.services.groups import admin_group_sync
from reinforcement.selectors.planning import reps_due_for_planning
from tests.browser.conftest import ARTIFACTS, log_in
from tests.factories.enablement import RepProfileFactory, TeamFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
# A Thursday, after the 9:00 delivery hour in UTC.
THURSDAY = dt.datetime(2026, 12, 31, 15, 0, tzinfo=dt.UTC)


def test_admin_sets_working_days_and_holidays_and_reads_the_audit(browser, live_server):
    team = TeamFactory(organization__name="Acme")
    organization = team.organization
    rep = RepProfileFactory(team=team).user
    admin = UserFactory(username="enable", password="s3cret-pass", is_staff=True)
    admin.groups.add(admin_group_sync())
    organization.admins.add(admin)
    assert reps_due_for_planning(now=THURSDAY) == [rep.pk]
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    url = f"/admin/enablement/organization/{organization.pk}/change/"
    log_in(page, f"{live_server.url}/admin/login/?next={url}", "enable", "s3cret-pass")

    # when: they set Monday to Thursday, the US calendar and New Year's Eve off
    expect(page.get_by_text("spread the same reviews thinner")).to_be_visible()
    page.fill("input[name=working_days]", "1234")
    page.fill("input[name=holiday_country]", "US")
    page.fill("input[name=holidays-0-date]", "2026-12-31")
    page.fill("input[name=holidays-0-name]", "New Year's Eve")
    page.click("input[name=_continue]")
    expect(page.locator(".messagelist .success")).to_be_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "organization-calendar.png"))

    # then: the rep, who follows the organization, has a day off
    organization.refresh_from_db()
    assert (organization.working_days, organization.holiday_country) == ("1234", "US")
    assert Holiday.objects.get(organization=organization).name == "New Year's Eve"
    assert reps_due_for_planning(now=THURSDAY) == []

    # and a bad value is refused in words, keeping what was saved
    page.fill("input[name=holiday_country]", "XX")
    page.click("input[name=_continue]")
    expect(page.locator(".errorlist")).to_contain_text("not a country code")
    organization.refresh_from_db()
    assert organization.holiday_country == "US"

    # and the audit log shows the settings change and the holiday, by the admin
    page.goto(f"{live_server.url}/admin/enablement/auditentry/")
    rows = page.locator("#result_list tbody tr")
    settings_row = rows.filter(has_text="working_days")
    expect(settings_row.first).to_contain_text("enable")
    expect(rows.filter(has_text="New Year").first).to_contain_text("enable")
