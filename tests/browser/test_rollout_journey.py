"""The roll-out of issue 12, in Chromium, as the demo's `enablement` admin (never a
superuser): preview and import a 200-rep roster, a new rep follows the emailed
invitation, sets a password and sees a question on a phone; the admin deactivates
them and their open prompts are withdrawn. (Signing in through the test OIDC
provider: tests/sso/test_browser_sign_in.py; SCIM: tests/provisioning.)"""

import re

import pytest
from django.core import mail
from django.test import override_settings
from django.utils import timezone
from playwright.sync_api import expect

from enablement.models import AccountEmail, Membership, RepProfile, Team
from enablement.services.demo import ADMIN_USERNAME, DEMO_PASSWORD, demo_seed
from enablement.services.invitations import account_email_deliver
from enablement.services.roster_format import COLUMNS
from reinforcement.models import Prompt
from reinforcement.services.planning import plans_create
from tests.browser.conftest import ARTIFACTS, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
LINK = re.compile(r"https?://\S+/invitation/\S+/")
TEAM = "Enterprise East"  # a demo team already enrolled in modules


def roster_file(tmp_path):
    lines = [",".join(COLUMNS)]
    lines += [
        f"new{i:03d}@acme.example,New,Rep {i},{TEAM},rep,America/New_York,9,"
        f'"mon,tue,wed,thu,fri,sat,sun",2026-11-30,hr-{i}'
        for i in range(200)
    ]
    path = tmp_path / "acme-roster.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_the_enablement_admin_rolls_out_without_a_superuser(
    browser, live_server, tmp_path
):
    summary = demo_seed()
    admin = summary.organization.admins.get(username=ADMIN_USERNAME)
    assert not admin.is_superuser
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()

    # The admin previews a 200-rep roster: nothing is written yet.
    log_in(
        page,
        f"{live_server.url}/admin/login/?next=/admin/",
        ADMIN_USERNAME,
        DEMO_PASSWORD,
    )
    page.click("text=Import or export a roster")
    page.set_input_files("input[name=file]", str(roster_file(tmp_path)))
    page.click("#roster-upload input[type=submit]")
    page.wait_for_selector("#roster-counts")
    assert page.text_content("#roster-counts td.created") == "200"
    assert not Membership.objects.filter(user__email__startswith="new").exists()

    # Confirm: 200 reps in the team, each with one pending invitation.
    page.click("#roster-confirm input[type=submit]")
    page.wait_for_selector(".messagelist .success")
    team = Team.objects.get(organization=summary.organization, name=TEAM)
    new = RepProfile.objects.filter(team=team, user__email__startswith="new")
    assert new.count() == 200
    invitations = AccountEmail.objects.filter(
        kind=AccountEmail.Kind.INVITATION, user__email__startswith="new"
    )
    assert invitations.count() == 200

    # One new rep gets today's dose and follows the emailed link on a phone.
    rep = new.get(user__email="new007@acme.example").user
    [outcome] = plans_create(
        rep_ids=[rep.pk], now=timezone.now(), ignore_delivery_hour=True
    )
    assert outcome.status == "planned"
    with override_settings(SITE_URL=live_server.url):
        row = invitations.get(user=rep)
        assert account_email_deliver(email_id=row.pk, now=timezone.now()) == "sent"
    [message] = [m for m in mail.outbox if rep.email in m.to]
    link = LINK.search(message.body).group(0)
    phone = browser.new_context(viewport=PHONE).new_page()
    phone.goto(link)
    phone.get_by_label("New password", exact=True).fill("a-long-new-passphrase-7")
    phone.get_by_label("New password again").fill("a-long-new-passphrase-7")
    phone.get_by_role("button", name="Set password and start").click()
    expect(phone.locator("form.question")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    ARTIFACTS.mkdir(exist_ok=True)
    phone.screenshot(path=str(ARTIFACTS / "rollout-new-rep-today-390.png"))
    open_prompts = Prompt.objects.filter(
        rep=rep, status__in=[Prompt.Status.PLANNED, Prompt.Status.DELIVERED]
    )
    opened = open_prompts.count()
    assert opened > 0

    # The admin deactivates them in People: their open prompts are withdrawn.
    membership = Membership.objects.get(user=rep)
    page.goto(f"{live_server.url}/admin/enablement/membership/?q=new007")
    page.check(f"input[name=_selected_action][value='{membership.pk}']")
    page.select_option("select[name=action]", "people_deactivate")
    page.click("button[name=index]")
    page.wait_for_selector(".messagelist .success")
    assert open_prompts.count() == 0
    withdrawn = Prompt.objects.filter(rep=rep, status=Prompt.Status.WITHDRAWN)
    assert withdrawn.count() == opened
    membership.refresh_from_db()
    assert membership.deactivated_at is not None and not membership.user.is_active

    # Their next visit is a sign-in page: a deactivated person has no session.
    phone.goto(live_server.url + "/")
    expect(phone.locator("input[name=username]")).to_be_visible()
    context.close()
