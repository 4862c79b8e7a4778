import datetime as dt
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from reinforcement.models import Prompt
from tests.factories.enablement import QuestionFactory
from tests.factories.reinforcement import make_prompt

pytestmark = pytest.mark.django_db

LEAKS = [b"is_correct", b"explanation", b"feedback", b"reference_url", b"correct"]


def test_lists_the_reps_open_prompts_in_order(api, prompts, other_rep, questions):
    make_prompt(rep=other_rep, question=questions[0])
    make_prompt(
        rep=prompts[0].rep,
        question=QuestionFactory(module=questions[0].module),
        status=Prompt.Status.ANSWERED,
    )
    response = api.get(reverse("api-prompt-list"))
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    assert [p["id"] for p in body["results"]] == [str(p.id) for p in prompts]
    first = body["results"][0]
    assert first["question"]["stem"] == prompts[0].question.stem
    assert first["question"]["topic"]["name"] == prompts[0].question.topic.name
    assert [c["text"] for c in first["question"]["choices"]] == [
        "Right",
        "Wrong A",
        "Wrong B",
        "Wrong C",
    ]


def test_open_prompt_payload_never_carries_the_correct_answer(api, prompts):
    """Checked on the raw bytes: no field and no value says which choice is right."""
    for response in (
        api.get(reverse("api-prompt-list")),
        api.get(reverse("api-prompt-detail", args=[prompts[0].id])),
    ):
        assert response.status_code == 200
        for leak in LEAKS:
            assert leak not in response.content.lower()
        question = prompts[0].question
        assert question.explanation.encode() not in response.content


def test_expired_window_is_not_listed(api, rep, questions):
    make_prompt(rep=rep, question=questions[0], expires_in_days=-1)
    assert api.get(reverse("api-prompt-list")).json()["count"] == 0


def test_filter_by_source_and_reject_unknown_source(api, prompts):
    assert (
        api.get(reverse("api-prompt-list"), {"source": "refresher"}).json()["count"]
        == 0
    )
    assert api.get(reverse("api-prompt-list"), {"source": "daily"}).json()["count"] == 3
    bad = api.get(reverse("api-prompt-list"), {"source": "nope"})
    assert bad.status_code == 400
    assert bad.json()["error"]["code"] == "invalid"
    assert "source" in bad.json()["error"]["fields"]


def test_list_is_paginated_with_a_flat_query_count(
    api, rep, module, django_assert_max_num_queries
):
    today = timezone.now().date()
    for i in range(55):
        make_prompt(
            rep=rep,
            question=QuestionFactory(module=module),
            local_date=today - dt.timedelta(days=i % 2),
        )
    with django_assert_max_num_queries(8):
        first = api.get(reverse("api-prompt-list")).json()
    assert first["count"] == 55 and len(first["results"]) == 50 and first["next"]
    second = api.get(reverse("api-prompt-list"), {"page": 2}).json()
    assert len(second["results"]) == 5
    bad = api.get(reverse("api-prompt-list"), {"page": 9})
    assert bad.status_code == 404 and bad.json()["error"]["code"] == "not_found"


def test_another_reps_prompt_is_404_like_a_missing_one(api, other_rep, questions):
    theirs = make_prompt(rep=other_rep, question=questions[0])
    for prompt_id in (theirs.id, uuid.uuid4()):
        response = api.get(reverse("api-prompt-detail", args=[prompt_id]))
        assert response.status_code == 404
        assert response.json() == {
            "error": {"code": "not_found", "message": "No such prompt.", "fields": {}}
        }


def test_prompt_ids_are_uuids(prompts):
    assert all(isinstance(p.id, uuid.UUID) for p in prompts)
