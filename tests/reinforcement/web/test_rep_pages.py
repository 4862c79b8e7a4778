import datetime as dt
import json
import re
import urllib.request

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from reinforcement.models import Answer, Prompt
from tests.factories.enablement import (
    EnrollmentFactory,
    ModuleFactory,
    QuestionFactory,
    RepProfileFactory,
    UserFactory,
)
from tests.factories.reinforcement import make_prompt

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()


@pytest.fixture
def questions(organization, team):
    module = ModuleFactory(methodology__organization=organization)
    EnrollmentFactory(module=module, team=team)
    return [QuestionFactory(module=module) for _ in range(2)]


@pytest.fixture
def prompts(rep, questions):
    return [
        make_prompt(rep=rep, question=q, position=i)
        for i, q in enumerate(questions, start=1)
    ]


@pytest.fixture
def web(client, rep):
    client.force_login(rep)
    return client


def form_fields(html: str) -> dict:
    return dict(re.findall(r'name="(idempotency_key|shown_at)" value="([^"]*)"', html))


def test_pages_need_login(client):
    for name in ("rep:today", "rep:progress", "rep:refresher"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response.url.startswith(reverse("rep:login"))


def test_login_page_logs_a_rep_in(client, rep):
    page = client.get(reverse("rep:login"))
    assert b'<label for="id_username"' in page.content
    response = client.post(
        reverse("rep:login"), {"username": rep.username, "password": "pw"}
    )
    # Login lands on the role router, which sends a rep to Today.
    assert response.status_code == 302 and response.url == reverse("rep:home")
    assert client.get(response.url).url == reverse("rep:today")


def test_web_login_is_throttled(client, rep):
    for _ in range(10):
        client.post(reverse("rep:login"), {"username": rep.username, "password": "x"})
    response = client.post(
        reverse("rep:login"), {"username": rep.username, "password": "pw"}
    )
    assert response.status_code == 429
    assert b"Too many attempts" in response.content


def test_today_shows_the_first_question_accessibly(web, prompts):
    response = web.get(reverse("rep:today"))
    html = response.content.decode()
    assert response.status_code == 200
    assert prompts[0].question.stem in html
    assert prompts[1].question.stem not in html
    assert "<fieldset>" in html and "<legend>" in html
    assert html.count('type="radio"') == 4 + 3
    assert "2 questions left" in html
    assert form_fields(html)["idempotency_key"]
    assert "is_correct" not in html and prompts[0].question.explanation not in html


def test_answering_shows_feedback_and_a_resubmit_replays(web, prompts):
    # given
    prompt = prompts[0]
    page = web.get(reverse("rep:today")).content.decode()
    right = prompt.question.choices.get(is_correct=True)
    post = form_fields(page) | {"choice": right.id, "confidence": "certain"}
    url = reverse("rep:answer", args=[prompt.id])
    # when
    first = web.post(url, post)
    second = web.post(url, post)
    # then
    for response in (first, second):
        assert response.status_code == 200
        html = response.content.decode()
        assert "Right" in html and prompt.question.explanation in html
        assert "How your peers answered" in html and "100%" in html
    assert Answer.objects.count() == 1
    assert Answer.objects.get().response_ms is not None
    nxt = web.get(reverse("rep:today")).content.decode()
    assert prompts[1].question.stem in nxt


def test_wrong_answer_shows_the_correct_one(web, prompts):
    prompt = prompts[0]
    page = web.get(reverse("rep:today")).content.decode()
    wrong = prompt.question.choices.filter(is_correct=False).first()
    response = web.post(
        reverse("rep:answer", args=[prompt.id]),
        form_fields(page) | {"choice": wrong.id, "confidence": "guess"},
    )
    html = response.content.decode()
    assert "Not quite" in html and "Correct answer" in html and "Your answer" in html


def test_missing_confidence_is_explained_and_keeps_the_key(web, prompts):
    page = web.get(reverse("rep:today")).content.decode()
    fields = form_fields(page)
    right = prompts[0].question.choices.get(is_correct=True)
    response = web.post(
        reverse("rep:answer", args=[prompts[0].id]), fields | {"choice": right.id}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Say how sure you are." in html and 'role="alert"' in html
    assert form_fields(html)["idempotency_key"] == fields["idempotency_key"]
    assert not Answer.objects.exists()


def test_answer_in_another_tab_shows_the_first_feedback(web, prompts):
    prompt = prompts[0]
    right = prompt.question.choices.get(is_correct=True)
    url = reverse("rep:answer", args=[prompt.id])
    web.post(url, {"choice": right.id, "confidence": "certain", "idempotency_key": "a"})
    response = web.post(
        url, {"choice": right.id, "confidence": "certain", "idempotency_key": "b"}
    )
    assert response.status_code == 200 and b"Right" in response.content
    assert Answer.objects.count() == 1


def test_another_reps_prompt_is_404(web, questions, team):
    other = RepProfileFactory(team=team).user
    theirs = make_prompt(rep=other, question=questions[0])
    right = questions[0].choices.get(is_correct=True)
    response = web.post(
        reverse("rep:answer", args=[theirs.id]),
        {"choice": right.id, "confidence": "certain", "idempotency_key": "x"},
    )
    assert response.status_code == 404
    assert not Answer.objects.exists()


def test_empty_state_when_everything_is_done(web, questions):
    html = web.get(reverse("rep:today")).content.decode()
    assert "All done for today" in html


def test_empty_state_when_paused(web, rep_profile, questions):
    rep_profile.paused_until = timezone.now().date() + dt.timedelta(days=7)
    rep_profile.save()
    html = web.get(reverse("rep:today")).content.decode()
    assert "on a break" in html


def test_empty_state_when_not_enrolled(web):
    html = web.get(reverse("rep:today")).content.decode()
    assert "Nothing to practise yet" in html


def test_a_user_without_rep_profile_gets_an_explanation(client):
    client.force_login(UserFactory())
    response = client.get(reverse("rep:today"))
    assert response.status_code == 403
    assert b"set up for practice" in response.content


def test_progress_page_shows_topics_and_streak(web, prompts):
    page = web.get(reverse("rep:today")).content.decode()
    right = prompts[0].question.choices.get(is_correct=True)
    web.post(
        reverse("rep:answer", args=[prompts[0].id]),
        form_fields(page) | {"choice": right.id, "confidence": "certain"},
    )
    html = web.get(reverse("rep:progress")).content.decode()
    assert prompts[0].question.topic.name in html
    assert re.search(r'id="streak">1<', html) and re.search(r'id="week">1<', html)
    # One answer is not enough for a retention trend yet.
    assert "Answer a few questions and your trend appears here." in html


def test_refresher_creates_a_set_and_shows_it(web, questions):
    page = web.get(reverse("rep:refresher"))
    assert page.status_code == 200
    topic = questions[0].topic
    response = web.post(reverse("rep:refresher"), {"topic": topic.id, "size": 3})
    assert response.status_code == 302
    assert response.url == reverse("rep:today") + "?source=refresher"
    assert Prompt.objects.filter(source=Prompt.Source.REFRESHER).count() == 1
    html = web.get(response.url).content.decode()
    assert "Refresher" in html and questions[0].stem in html


def test_a_refresher_of_questions_open_in_todays_plan_shows_them(web, rep, questions):
    # given: both questions of the topic are already open in today's plan
    topic = questions[0].topic
    for q in questions:
        q.topic = topic
        q.save()
    planned = [
        make_prompt(rep=rep, question=q, position=i) for i, q in enumerate(questions, 1)
    ]

    # when: the rep asks for a refresher on that topic
    response = web.post(reverse("rep:refresher"), {"topic": topic.id, "size": 3})

    # then: no second prompt is made, and the refresher shows the plan's questions
    assert response.status_code == 302
    assert not Prompt.objects.filter(source=Prompt.Source.REFRESHER).exists()
    html = web.get(response.url).content.decode()
    assert "Refresher done" not in html
    assert planned[0].question.stem in html or planned[1].question.stem in html


def test_manifest_and_icons_are_served(web, live_server):
    base = live_server.url + "/static/reinforcement/"
    with urllib.request.urlopen(base + "manifest.webmanifest") as r:
        manifest = json.load(r)
    assert manifest["start_url"] == "/" and manifest["display"] == "standalone"
    for icon in manifest["icons"]:
        with urllib.request.urlopen(live_server.url + icon["src"]) as r:
            assert r.status == 200
    html = web.get(reverse("rep:today")).content.decode()
    assert 'rel="manifest"' in html
