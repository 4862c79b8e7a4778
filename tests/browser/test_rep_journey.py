"""A demo rep on a phone and on a laptop: log in, answer, see feedback and progress."""

import re

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from enablement.models import Choice
from enablement.services.demo import DEMO_PASSWORD
from reinforcement.models import Prompt
from reinforcement.selectors.reps import rep_situation_get, topics_enrolled_for_rep
from reinforcement.services.planning import plans_create
from tests.browser.conftest import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = {"phone": (375, 812), "desktop": (1280, 800)}


def correct_choice_id(prompt_id: str) -> int:
    prompt = Prompt.objects.get(pk=prompt_id)
    return Choice.objects.get(question_id=prompt.question_id, is_correct=True).id


def answer_shown_question(page, *, right: bool, confidence: str) -> None:
    action = page.locator("form.question").get_attribute("action")
    prompt_id = re.search(r"/prompts/([0-9a-f-]+)/answer/", action).group(1)
    good = correct_choice_id(prompt_id)
    if right:
        page.check(f"input[name=choice][value='{good}']")
    else:
        page.locator(f"input[name=choice]:not([value='{good}'])").first.check()
    page.get_by_label(confidence, exact=True).check()
    page.get_by_role("button", name="Submit answer").click()


@pytest.mark.parametrize("device", list(VIEWPORTS))
def test_demo_rep_answers_and_sees_progress(browser, live_server, device):
    # given: the demo organization and today's dose for rep01
    call_command("seed_demo", verbosity=0)
    from django.contrib.auth import get_user_model

    rep = get_user_model().objects.get(username="rep01")
    outcome = plans_create(
        rep_ids=[rep.id], now=timezone.now(), ignore_delivery_hour=True
    )
    assert outcome[0].status in ("planned", "not_working_day")
    width, height = VIEWPORTS[device]
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    ARTIFACTS.mkdir(exist_ok=True)

    def shot(name: str) -> None:
        page.screenshot(
            path=str(ARTIFACTS / f"rep-{name}-{width}x{height}.png"), full_page=True
        )

    # when: log in
    page.goto(live_server.url + "/")
    assert "/login/" in page.url
    page.get_by_label("Username").fill("rep01")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).not_to_have_url(re.compile("/login/"))

    # answer today's question right (or, on a day off, start with a refresher)
    if page.locator("form.question").count() == 0:
        page.goto(live_server.url + "/refresher/")
        page.get_by_role("button", name="Start refresher").click()
    shot("question")
    answer_shown_question(page, right=True, confidence="Certain")
    expect(page.get_by_role("heading", name=re.compile("Right"))).to_be_visible()
    expect(page.get_by_text("How your peers answered")).to_be_visible()
    shot("feedback-right")

    # then a refresher on a topic, one question answered wrongly
    page.get_by_role("link", name="Refresher").click()
    situation = rep_situation_get(rep_id=rep.id, now=timezone.now())
    biggest = max(
        topics_enrolled_for_rep(situation=situation), key=lambda t: t.question_count
    )
    page.get_by_label("Topic").select_option(str(biggest.id))
    page.get_by_role("button", name="Start refresher").click()
    expect(page.locator("form.question")).to_have_count(1)
    answer_shown_question(page, right=False, confidence="Guess")
    expect(page.get_by_role("heading", name=re.compile("Not quite"))).to_be_visible()
    expect(page.get_by_text("Correct answer").first).to_be_visible()
    shot("feedback-wrong")

    # the progress page counts both
    page.get_by_role("link", name="Progress").click()
    expect(page.locator("#week")).to_have_text("2")
    expect(page.locator("#streak")).to_have_text("1")
    # two answers: what is known (1 of 2 right), no retention figure or trend yet
    expect(page.locator("#retention .stat-value")).to_have_text("1/2")
    expect(page.locator("svg.trend")).to_have_count(0)
    shot("progress")

    # keyboard: the main message has focus after navigation
    assert page.evaluate("document.activeElement.tagName") == "H1"
    context.close()
