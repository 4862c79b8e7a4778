import pytest
from django.urls import reverse

from reinforcement.models import Prompt
from tests.factories.enablement import ModuleFactory, TopicFactory
from tests.reinforcement.api.support import answer_body

pytestmark = pytest.mark.django_db


def test_progress_reflects_an_answer(api, prompts):
    before = api.get(reverse("api-progress")).json()
    assert before["answers_total"] == 0 and before["retention"] is None
    assert before["enrolled"] == 3 and before["introduced"] == 0
    api.post(
        reverse("api-answer-submit", args=[prompts[0].id]),
        answer_body(prompts[0]),
        format="json",
    )
    after = api.get(reverse("api-progress")).json()
    assert after["answers_total"] == 1 and after["answers_this_week"] == 1
    assert after["streak_days"] == 1 and after["introduced"] == 1
    # One answer is not enough for a retention figure (it would read ~100%).
    assert after["retention"] is None and after["enough_answers"] is False
    assert after["answers_correct"] == 1
    assert len(after["trend"]) == 8 and after["trend"][-1]["retention"] is None
    topic = after["topics"][0]
    assert topic["answers"] == 1 and topic["retention"] is None
    assert topic["name"] == prompts[0].question.topic.name
    assert after["mastery_stability_days"] == 21.0


def test_topics_lists_enrolled_topics(api, questions):
    body = api.get(reverse("api-topic-list")).json()
    assert body["count"] == len({q.topic_id for q in questions})
    assert sum(t["question_count"] for t in body["results"]) == 3


def test_refresher_creates_refresher_prompts_on_a_module(api, questions, module):
    response = api.post(
        reverse("api-refresher-create"),
        {"module_id": module.id, "size": 2},
        format="json",
    )
    assert response.status_code == 201
    prompts = response.json()["prompts"]
    assert len(prompts) == 2
    assert {p["source"] for p in prompts} == {"refresher"}
    assert b"is_correct" not in response.content
    assert Prompt.objects.filter(source=Prompt.Source.REFRESHER).count() == 2
    listed = api.get(reverse("api-prompt-list"), {"source": "refresher"}).json()
    assert listed["count"] == 2
    # Answered like any other prompt.
    prompt = Prompt.objects.get(pk=prompts[0]["id"])
    answered = api.post(
        reverse("api-answer-submit", args=[prompt.id]),
        answer_body(prompt),
        format="json",
    )
    assert answered.status_code == 201


@pytest.mark.parametrize(
    "body", [{}, {"topic_id": 1, "module_id": 1}, {"module_id": 1, "size": 11}]
)
def test_refresher_input_errors_are_400(api, questions, body):
    response = api.post(reverse("api-refresher-create"), body, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"


def test_refresher_on_another_tenants_topic_is_404(api, questions):
    foreign = TopicFactory()
    response = api.post(
        reverse("api-refresher-create"), {"topic_id": foreign.id}, format="json"
    )
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_refresher_on_a_module_not_enrolled_is_422(api, questions, organization):
    module = ModuleFactory(methodology__organization=organization)
    response = api.post(
        reverse("api-refresher-create"), {"module_id": module.id}, format="json"
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "not_enrolled"
