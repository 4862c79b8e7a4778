"""Part of issue 13's journey, in Chromium, as an enablement admin (not a superuser):
a team enrolled after beat already planned it gets a full first dose from "Plan today
now"; a rep answers; a major edit of that question resets their memory of it; the
audit log shows the enrollment and the edit with who made it."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from enablement.models import Enrollment, Question
from enablement.services.groups import admin_group_sync
from reinforcement.models import MemoryState, Prompt
from reinforcement.services.planning import plans_create
from tests.browser.conftest import ARTIFACTS, log_in
from tests.factories.enablement import (
    ModuleFactory,
    QuestionFactory,
    RepProfileFactory,
    TeamFactory,
    UserFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DOSE = 3


def test_enroll_after_beat_plan_now_answer_major_edit_and_audit(browser, live_server):
    # given: a new team whose three reps beat already planned (nothing enrolled yet)
    team = TeamFactory(organization__name="Acme", name="New team")
    team.organization.default_daily_dose = DOSE
    team.organization.save()
    module = ModuleFactory(methodology__organization=team.organization)
    for i in range(5):
        QuestionFactory(module=module, key=f"q{i}", stem=f"Question {i}?")
    reps = [
        RepProfileFactory(
            team=team, delivery_hour=0, working_days="1234567",
            user=UserFactory(username=f"rep{i}", password="rep-pass-1"),
        ).user
        for i in range(3)
    ]  # fmt: skip
    now = timezone.now()
    plans_create(rep_ids=[r.pk for r in reps], now=now, ignore_delivery_hour=True)
    assert not Prompt.objects.filter(rep__in=reps).exists()
    admin = UserFactory(username="enable", password="admin-pass-1", is_staff=True)
    admin.groups.add(admin_group_sync())
    team.organization.admins.add(admin)
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    log_in(
        page, f"{live_server.url}/admin/login/?next=/admin/", "enable", "admin-pass-1"
    )

    # when: the module is enrolled after beat, and the admin plans the team now
    Enrollment.objects.create(module=module, team=team, starts_on=dt.date(2026, 1, 1))
    page.goto(f"{live_server.url}/admin/enablement/team/{team.pk}/change/")
    page.get_by_role("button", name="Plan today now").click()
    expect(page.locator(".messagelist")).to_contain_text("3 of 3 reps have a plan")

    # then: every rep has a full first dose, not one question
    for rep in reps:
        open_prompts = Prompt.objects.filter(rep=rep).exclude(
            status=Prompt.Status.WITHDRAWN
        )
        assert open_prompts.count() == DOSE, rep

    # when: a rep answers their first question on a phone
    phone = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    log_in(phone, f"{live_server.url}/login/", "rep0", "rep-pass-1")
    first = (
        Prompt.objects.filter(rep=reps[0], status__in=["planned", "delivered"])
        .order_by("position")
        .first()
    )
    expect(phone.get_by_text(first.question.stem)).to_be_visible()
    phone.locator("input[name=choice]").first.check()
    phone.get_by_label("Certain", exact=True).check()
    phone.get_by_role("button", name="Submit answer").click()
    expect(phone.locator("#verdict")).to_be_visible()
    state = MemoryState.objects.get(rep=reps[0], question=first.question)
    assert state.review_count == 1

    # when: the admin moves the correct answer (a major edit) and confirms the diff
    question = first.question
    choices = list(question.choices.order_by("position"))
    correct = [i for i, c in enumerate(choices) if c.is_correct]
    target = next(i for i in range(len(choices)) if i not in correct)
    page.goto(f"{live_server.url}/admin/enablement/question/{question.pk}/change/")
    for i in correct:
        page.uncheck(f"input[name='choices-{i}-is_correct']")
    page.check(f"input[name='choices-{target}-is_correct']")
    page.locator("input[name=_save]").click()
    major = page.locator("input[name=change_kind][value=major]")
    expect(major).to_be_checked()  # preselected: the correct set changed
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "major-edit-diff.png"))
    page.locator("form input[type=submit], form button[type=submit]").last.click()
    expect(page.locator(".messagelist")).to_be_visible()

    # then: the question is at version 2 (major) and the rep's memory of it is new
    question.refresh_from_db()
    assert (question.version, question.version_change) == (2, Question.Change.MAJOR)
    state.refresh_from_db()
    assert (state.state, state.review_count) == (MemoryState.State.NEW, 0)

    # and the audit log names the enrollment and the edit, the edit by the admin
    page.goto(f"{live_server.url}/admin/enablement/auditentry/")
    body = page.locator("#result_list")
    expect(body).to_contain_text("enrollment")
    expect(body).to_contain_text("question")
    expect(body).to_contain_text("enable")
    page.screenshot(path=str(ARTIFACTS / "audit-log.png"))
