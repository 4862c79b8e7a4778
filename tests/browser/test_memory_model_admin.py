"""An enablement admin in Chromium opens "Memory model" from the admin index:
the reliability diagram and its table, with no serious accessibility violation."""

import pytest

from enablement.services.groups import admin_group_sync
from tests.browser.conftest import ARTIFACTS, axe_violations, log_in
from tests.factories.enablement import TeamFactory, UserFactory
from tests.reinforcement.test_memory_model_report import report_fit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_admin_reads_the_memory_model_report(browser, live_server):
    # given: an organization whose latest refit scored a hold-out
    team = TeamFactory(name="East")
    report_fit(team.organization)
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

        # when: they open the report from the index
        page.click("#memory-model-link a")

        # then: the diagram, the bins and both models' scores are shown
        assert page.locator("#reliability-diagram circle").count() == 6
        rows = page.locator("#reliability-bins tbody tr")
        assert rows.count() == 6
        assert rows.first.locator("th").text_content() == "0.3–0.4"
        assert page.locator("#model-scores tr.default td").first.text_content() == "8"
        assert "refitted on 30 Nov 2026" in page.text_content("#model-in-use")
        assert page.locator("#refit-history tbody tr").count() == 1
        assert "No rep has a forgetting multiplier of their own yet" in (
            page.text_content("#rep-memory-summary")
        )
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "memory-model.png"), full_page=True)
        assert axe_violations(page) == []
    finally:
        context.close()
