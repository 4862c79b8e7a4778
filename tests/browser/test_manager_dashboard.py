"""A demo manager opens the KPI dashboard in Chromium and downloads a CSV."""

import csv
import io

import pytest
from django.utils import timezone

from enablement.services.demo import DEMO_PASSWORD, demo_seed
from reinforcement.services.demo_history import demo_history_seed
from tests.browser.conftest import ARTIFACTS, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_demo_manager_sees_charts_and_downloads_csv(browser, live_server):
    # given: the demo organization with three weeks of simulated history
    today = timezone.localdate()
    demo_seed(today=today)
    demo_history_seed(today=today, days=21)
    context = browser.new_context(
        viewport={"width": 1400, "height": 1000}, accept_downloads=True
    )
    page = context.new_page()
    # when: manager.east logs in (a frontline manager is not admin staff)
    log_in(
        page, f"{live_server.url}/login/?next=/manager/", "manager.east", DEMO_PASSWORD
    )
    page.wait_for_selector("svg.heatmap")
    # then: the heat map, trend, forgetting curve and participation render
    cells = page.locator("svg.heatmap g.cell")
    assert cells.count() >= 11 * 5
    assert page.locator("svg.heatmap g.cell title").first.text_content().count("%") >= 1
    assert page.locator("svg.trend polyline").count() >= 2
    assert page.locator("svg.forgetting-curve circle.observed").count() >= 1
    assert page.locator("svg.participation g.bar").count() == 11
    body = page.content()
    assert "rep12" not in body  # Mid-Market West, not manager.east's team
    cells.first.focus()
    box = page.locator("svg.heatmap").bounding_box()
    assert box and box["width"] > 300 and box["height"] > 200
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "manager-dashboard.png"), full_page=True)
    with page.expect_download() as download_info:
        page.click("#heatmap h2 a")
    download = download_info.value
    path = ARTIFACTS / download.suggested_filename
    download.save_as(path)
    rows = list(csv.DictReader(io.StringIO(path.read_text())))
    assert download.suggested_filename.startswith("kpi-heatmap-")
    assert rows and {r["team"] for r in rows} == {"Enterprise East"}
    context.close()
