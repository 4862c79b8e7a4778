"""A demo manager sees the Outcomes section, the retention-versus-conversion
chart and the demo campaign's report in Chromium, with no serious axe finding."""

import pytest
from django.utils import timezone

from enablement.models import Campaign
from enablement.services.demo import DEMO_PASSWORD, demo_seed
from reinforcement.services.demo_history import demo_history_seed
from tests.browser.conftest import ARTIFACTS, axe_violations, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_demo_manager_sees_outcomes_chart_and_campaign_report(browser, live_server):
    # given: the demo with three weeks of history and its simulated CRM
    today = timezone.localdate()
    demo_seed(today=today)
    demo_history_seed(today=today, days=21)
    campaign = Campaign.objects.get(name="Discovery push")
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    # when: manager.east logs in
    log_in(
        page, f"{live_server.url}/login/?next=/manager/", "manager.east", DEMO_PASSWORD
    )
    page.wait_for_selector("#outcomes")
    # then: the Outcomes section shows win rate, stages and the team's reps only
    outcomes = page.locator("#outcomes")
    assert "%" in outcomes.locator("#kpi-win-rate b").text_content()
    assert outcomes.locator("#outcome-stages tbody tr").count() == 4
    assert outcomes.locator("#outcome-reps tbody tr").count() == 11
    assert "rep12" not in outcomes.inner_text()  # Mid-Market West
    ARTIFACTS.mkdir(exist_ok=True)
    outcomes.screenshot(path=str(ARTIFACTS / "manager-outcomes.png"))
    # and the retention page has the chart with whiskers and says what it is
    page.click("text=Retention against outcomes")
    page.wait_for_selector("svg.conversion-bands")
    assert page.locator("svg.conversion-bands line.whisker").count() >= 1
    assert (
        "association, not proof of cause"
        in page.locator("#association-note").inner_text()
    )
    assert axe_violations(page) == []
    page.screenshot(
        path=str(ARTIFACTS / "retention-against-outcomes.png"), full_page=True
    )
    # and the campaign report shows before and after against the other teams
    page.goto(f"{live_server.url}/manager/outcomes/campaigns/")
    page.click(f"text={campaign.name}")
    page.wait_for_selector("#campaign-did")
    table = page.locator("#campaign-did").inner_text()
    assert "Campaign teams, before" in table and "Other teams, after" in table
    assert "Predicted retention of the boosted topics" in table
    assert axe_violations(page) == []
    page.screenshot(path=str(ARTIFACTS / "campaign-report.png"), full_page=True)
    page.close()
