"""The demo's enablement admin (not a superuser) adds a rep in Chromium, in one form."""

import pytest
from django.contrib.auth import get_user_model

from enablement.models import RepProfile
from enablement.services.demo import ADMIN_USERNAME, DEMO_PASSWORD, demo_seed
from tests.browser.conftest import ARTIFACTS, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_enablement_admin_adds_a_rep_in_one_admin_form(browser, live_server):
    demo_seed()
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    log_in(
        page,
        f"{live_server.url}/admin/login/?next=/admin/",
        ADMIN_USERNAME,
        DEMO_PASSWORD,
    )
    page.click("#content-main a[href='/admin/enablement/membership/add/']")
    page.fill("input[name=email]", "nia.newhire@acme.example")
    page.fill("input[name=first_name]", "Nia")
    page.fill("input[name=last_name]", "Newhire")
    page.select_option("select[name=role]", "rep")
    page.select_option("select[name=team]", label="Enterprise East")
    page.fill("input[name=time_zone]", "America/Chicago")
    page.fill("input[name=delivery_hour]", "8")
    for day in ("1", "2", "3", "4", "5"):
        page.check(f"input[name=working_days][value='{day}']")
    page.fill("input[name=hired_on]", "2026-11-30")
    page.fill("input[name=external_id]", "HR-900")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "people-add.png"), full_page=True)
    page.click("input[name=_save]")
    page.wait_for_selector("ul.messagelist li.success")
    assert "Newhire" in page.locator("#result_list").inner_text()
    rep = get_user_model().objects.get(email="nia.newhire@acme.example")
    profile = RepProfile.objects.get(user=rep)
    assert (profile.team.name, profile.time_zone, profile.working_days) == (
        "Enterprise East", "America/Chicago", "12345",
    )  # fmt: skip
    assert rep.membership.external_id == "HR-900" and not rep.is_staff
    context.close()
