"""A new team's manager logs in, sees "not enough answers yet", opens a rep's page."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS, log_in
from tests.reinforcement.kpi_data import new_team

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_new_teams_manager_sees_not_enough_data_and_a_reps_page(browser, live_server):
    # given: a team taught today (its memory states predict ~99%), no answers yet
    _org, _team, manager, reps = new_team(timezone.now())
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    # when: the manager logs in on the site's login page
    log_in(page, f"{live_server.url}/login/", manager.username, "pw")
    # then: they land on their dashboard, not on the rep's 403
    page.wait_for_url(f"{live_server.url}/manager/")
    predicted = page.locator("#kpi-predicted")
    expect(predicted).to_contain_text("Not enough answers yet")
    expect(predicted).to_contain_text("0 answers so far, 5 needed")
    expect(predicted.locator("b")).not_to_contain_text("%")
    expect(page.locator("#coaching-empty")).to_contain_text(
        "Not enough answers yet to rank anyone"
    )
    expect(page.locator("#coaching")).not_to_contain_text("Nobody is under target")
    # A figure's definition opens in the page.
    details = predicted.locator("details.definition")
    details.locator("summary").click()
    expect(details.locator(".definition-text")).to_be_visible()
    expect(details).to_contain_text("guessing-corrected")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "manager-new-team.png"), full_page=True)
    # when: they follow a rep's row in the heat map
    page.locator("svg.heatmap a", has_text=reps[0].username).click()
    # then: the rep's page says what is known
    page.wait_for_url(f"{live_server.url}/manager/reps/{reps[0].pk}/")
    expect(page.locator("h1")).to_have_text(reps[0].username)
    expect(page.locator("#rep-predicted")).to_contain_text("Not enough answers yet")
    expect(page.locator("#rep-topics")).to_contain_text("Discovery")
    expect(page.locator("#rep-recent")).to_contain_text("No answers yet.")
    page.screenshot(path=str(ARTIFACTS / "manager-rep-page.png"), full_page=True)
    context.close()
