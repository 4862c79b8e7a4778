"""An enablement admin (not a superuser) previews and imports a 200-rep roster in
Chromium: the preview writes nothing, Confirm writes exactly what it listed."""

import pytest
from django.contrib.auth.models import Permission

from enablement.models import Membership, RepProfile, Team
from enablement.services.roster_format import COLUMNS
from tests.browser.conftest import ARTIFACTS, log_in
from tests.factories.enablement import OrganizationFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_enablement_admin_previews_and_confirms_a_200_rep_roster(
    browser, live_server, tmp_path
):
    # given: an enablement admin of Acme with the people permissions, and a roster
    acme = OrganizationFactory(name="Acme")
    OrganizationFactory(name="Rival")
    admin = UserFactory(username="enable", password="s3cret-pass", is_staff=True)
    acme.admins.add(admin)
    admin.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="enablement",
            codename__in=["add_repprofile", "change_repprofile", "view_repprofile"],
        )
    )
    lines = [",".join(COLUMNS)]
    lines += [
        f"rep{i:03d}@acme.example,Rep,{i},Team {i % 4},rep,Europe/Berlin,9,"
        f'"mon,tue,wed,thu,fri",2025-01-15,hr-{i}'
        for i in range(200)
    ]
    lines += [f"lead{t}@acme.example,Lead,{t},Team {t},manager,,,,," for t in range(4)]
    roster = tmp_path / "acme-roster.csv"
    roster.write_text("\n".join(lines) + "\n")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()

    # when: they log in, open the roster page from the admin index and upload
    log_in(
        page, f"{live_server.url}/admin/login/?next=/admin/", "enable", "s3cret-pass"
    )
    page.click("text=Import or export a roster")
    assert "Rival" not in page.content()
    page.set_input_files("input[name=file]", str(roster))
    page.click("#roster-upload input[type=submit]")

    # then: the preview counts 204 people and 4 teams, and nothing is written
    page.wait_for_selector("#roster-counts")
    assert page.text_content("#roster-counts td.created") == "204"
    assert page.text_content("#roster-counts td.deactivated") == "0"
    assert page.locator("#roster-created tbody tr").count() == 204
    assert not Team.objects.exists() and not Membership.objects.exists()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "roster-preview.png"))

    # when: they confirm
    page.click("#roster-confirm input[type=submit]")

    # then: the 200 reps, 4 managers and 4 teams are there, reported on the page
    page.wait_for_selector(".messagelist .success")
    assert "204 created" in page.text_content(".messagelist")
    assert RepProfile.objects.filter(team__organization=acme).count() == 200
    assert Team.objects.filter(organization=acme, managers__isnull=False).count() == 4
    assert Membership.objects.filter(organization=acme).count() == 204
    context.close()
