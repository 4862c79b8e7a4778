"""A rep has a question open on Today; the enablement admin retires it in admin; the
rep's stale page is told it was withdrawn, and Today no longer shows it (Chromium)."""

import pytest
from playwright.sync_api import expect

from enablement.models import Question
from enablement.services.groups import author_group_sync
from reinforcement.models import Answer, Prompt
from tests.browser.conftest import ARTIFACTS, log_in
from tests.factories.enablement import (
    EnrollmentFactory,
    ModuleFactory,
    QuestionFactory,
    RepProfileFactory,
    TeamFactory,
    UserFactory,
)
from tests.factories.reinforcement import make_prompt

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_retired_question_disappears_from_the_reps_today(browser, live_server):
    # given: a rep with two open questions, the first shown on Today
    team = TeamFactory(organization__name="Acme")
    module = ModuleFactory(methodology__organization=team.organization)
    retiring = QuestionFactory(module=module, key="eb-old", stem="Who signs at Globex?")
    staying = QuestionFactory(module=module, key="eb-next", stem="Who owns the budget?")
    rep = RepProfileFactory(
        team=team, user=UserFactory(username="rep", password="rep-pass-1")
    ).user
    EnrollmentFactory(module=module, team=team)
    for position, question in enumerate((retiring, staying), start=1):
        make_prompt(rep=rep, question=question, position=position)
    admin = UserFactory(username="enable", password="admin-pass-1", is_staff=True)
    admin.groups.add(author_group_sync())
    team.organization.admins.add(admin)
    rep_page = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    admin_page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    log_in(rep_page, f"{live_server.url}/login/", "rep", "rep-pass-1")
    expect(rep_page.get_by_text("Who signs at Globex?")).to_be_visible()

    # when: the admin retires it from the question list
    log_in(
        admin_page,
        f"{live_server.url}/admin/login/?next=/admin/enablement/question/",
        "enable",
        "admin-pass-1",
    )
    admin_page.check(f"input[name=_selected_action][value='{retiring.pk}']")
    admin_page.select_option("select[name=action]", "retire_selected")
    admin_page.click("button[name=index]")
    expect(admin_page.locator(".messagelist")).to_contain_text(
        "their open prompts were withdrawn"
    )
    assert Question.objects.get(pk=retiring.pk).status == Question.Status.RETIRED

    # then: the rep's stale page, answered, says what happened (not "That didn't work")
    rep_page.locator("input[name=choice]").first.check()
    rep_page.get_by_label("Guess", exact=True).check()
    rep_page.get_by_role("button", name="Submit answer").click()
    expect(
        rep_page.get_by_role("heading", name="This question was withdrawn")
    ).to_be_visible()
    expect(rep_page.get_by_text("retired or rewritten")).to_be_visible()
    assert not Answer.objects.exists()
    ARTIFACTS.mkdir(exist_ok=True)
    rep_page.screenshot(path=str(ARTIFACTS / "retired-question-withdrawn.png"))

    # and Today shows the next question, not the retired one
    rep_page.get_by_role("link", name="Back to your questions").click()
    expect(rep_page.get_by_text("Who owns the budget?")).to_be_visible()
    expect(rep_page.get_by_text("Who signs at Globex?")).to_have_count(0)
    assert Prompt.objects.get(question=retiring).status == Prompt.Status.WITHDRAWN

    # and the audit log, filtered to the question, shows the retirement by the admin
    admin_page.goto(f"{live_server.url}/admin/enablement/auditentry/?q=eb-old")
    row = admin_page.locator("#result_list tbody tr").filter(has_text="status")
    expect(row.first).to_contain_text("enable")
    row.first.locator("a").first.click()
    expect(admin_page.locator("body")).to_contain_text("retired")
    admin_page.screenshot(path=str(ARTIFACTS / "retire-audit-entry.png"))
