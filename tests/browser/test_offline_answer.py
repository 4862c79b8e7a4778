"""The installed app offline (Chromium): Today opens without a connection with the
questions saved while online, an answer made offline is queued with its key and the
time it was made, and is recorded once when the connection returns."""

import pytest
from playwright.sync_api import expect

from reinforcement.models import Answer
from tests.browser.conftest import ARTIFACTS, axe_violations, log_in
from tests.factories.enablement import (
    ModuleFactory,
    QuestionFactory,
    RepProfileFactory,
    TeamFactory,
    UserFactory,
)
from tests.factories.reinforcement import make_prompt

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_offline_answer_is_queued_and_recorded_once_back_online(
    browser, live_server
):
    # given: a rep with two open questions, signed in on their phone while online
    team = TeamFactory()
    module = ModuleFactory(methodology__organization=team.organization)
    first = QuestionFactory(module=module, stem="Who signs at Globex?")
    second = QuestionFactory(module=module, stem="Who owns the budget?")
    rep = RepProfileFactory(
        team=team, user=UserFactory(username="rep", password="rep-pass-1")
    ).user
    for position, question in enumerate((first, second), start=1):
        make_prompt(rep=rep, question=question, position=position)
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, base_url=live_server.url
    )
    page = context.new_page()
    log_in(page, "/login/", "rep", "rep-pass-1")
    expect(page.get_by_text("Who signs at Globex?")).to_be_visible()
    # The service worker is installed and today's questions are saved.
    page.wait_for_function("document.documentElement.dataset.offlineReady === '1'")

    # when: the connection drops and the rep opens the app
    context.set_offline(True)
    page.goto("/")
    expect(page.locator("#offline-status")).to_contain_text("You're offline")
    expect(page.get_by_text("Who signs at Globex?")).to_be_visible()
    assert axe_violations(page) == []
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "offline-today.png"))
    right = first.choices.filter(is_correct=True).first()
    page.get_by_label(right.text, exact=True).check()
    page.get_by_label("Certain", exact=True).check()
    page.get_by_role("button", name="Save answer").click()

    # then: it is saved on the phone, the next question shows, nothing is recorded
    expect(page.locator("#offline-status")).to_contain_text("Saved on this phone")
    expect(page.get_by_text("Who owns the budget?")).to_be_visible()
    assert not Answer.objects.exists()
    queued = page.evaluate("window.reinforceQueue.entries()")
    assert [e["prompt_id"] for e in queued] == [str(first.prompts.get().pk)]
    # A second copy of the same entry (a flush cut off mid-way, another tab):
    # the same idempotency key, so it must not count twice.
    page.evaluate(
        "localStorage.setItem('reinforce.answer-queue', "
        "JSON.stringify(window.reinforceQueue.entries().concat(window.reinforceQueue.entries())))"
    )

    # when: the connection returns
    context.set_offline(False)
    page.wait_for_function("document.documentElement.dataset.answersSent === '2'")

    # then: one answer, right, with the time it was made offline, on time
    [answer] = Answer.objects.all()
    assert answer.prompt.question_id == first.pk
    assert answer.correct and answer.confidence == "certain"
    assert answer.client_answered_at is not None and answer.on_time
    assert answer.channel == "web"
    assert answer.client_answered_at <= answer.answered_at
    assert page.evaluate("window.reinforceQueue.entries()") == []
    expect(page.locator("#offline-status")).to_contain_text("Back online")
    # Online again, Today shows the question still open.
    page.goto("/")
    expect(page.get_by_text("Who owns the budget?")).to_be_visible()
    assert Answer.objects.count() == 1
