import datetime as dt
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from enablement.models import Question
from reinforcement.models import Answer, MemoryState, Prompt
from tests.factories.reinforcement import make_prompt
from tests.reinforcement.api.support import answer_body

pytestmark = pytest.mark.django_db


def submit(api, prompt, body, **extra):
    return api.post(
        reverse("api-answer-submit", args=[prompt.id]), body, format="json", **extra
    )


def test_right_answer_returns_feedback_and_next_due(api, prompts, rep):
    # given
    prompt = prompts[0]
    right = prompt.question.choices.get(is_correct=True)
    # when
    response = submit(api, prompt, answer_body(prompt) | {"response_ms": 4100})
    # then
    assert response.status_code == 201
    body = response.json()
    assert body["correct"] is True and body["replayed"] is False
    assert body["correct_choice_ids"] == [right.id]
    assert body["chosen_choice_ids"] == [right.id]
    assert body["explanation"] == prompt.question.explanation
    assert [c["chosen"] for c in body["choices"]] == [True, False, False, False]
    assert body["peers"]["total"] == 1
    assert body["peers"]["choices"][0] == {
        "choice_id": right.id,
        "count": 1,
        "share": 1.0,
    }
    state = MemoryState.objects.get(rep=rep, question=prompt.question)
    assert body["next_due"] == state.due.isoformat().replace("+00:00", "Z")
    prompt.refresh_from_db()
    assert prompt.status == Prompt.Status.ANSWERED
    assert Answer.objects.get().response_ms == 4100


def test_wrong_answer_is_recorded_as_wrong(api, prompts):
    response = submit(api, prompts[0], answer_body(prompts[0], correct=False))
    assert response.status_code == 201
    assert response.json()["correct"] is False


def test_peer_distribution_counts_the_organization(api, prompts, other_rep):
    prompt = prompts[0]
    theirs = make_prompt(rep=other_rep, question=prompt.question)
    from reinforcement.services.answers import answer_submit

    wrong = prompt.question.choices.filter(is_correct=False).first()
    answer_submit(
        rep_id=other_rep.id,
        prompt_id=theirs.id,
        choice_ids=[wrong.id],
        confidence="guess",
        idempotency_key="theirs",
        now=timezone.now(),
    )
    peers = submit(api, prompt, answer_body(prompt)).json()["peers"]
    assert peers["total"] == 2
    assert {c["choice_id"]: c["share"] for c in peers["choices"] if c["count"]} == {
        prompt.question.choices.get(is_correct=True).id: 0.5,
        wrong.id: 0.5,
    }


def test_same_key_twice_replays_with_one_answer_row(api, prompts):
    prompt = prompts[0]
    first = submit(api, prompt, answer_body(prompt, key="same"))
    second = submit(api, prompt, answer_body(prompt, key="same"))
    assert (first.status_code, second.status_code) == (201, 200)
    one, two = first.json(), second.json()
    assert two.pop("replayed") is True and one.pop("replayed") is False
    two.pop("peers"), one.pop("peers")
    assert one == two
    assert Answer.objects.count() == 1


def test_idempotency_key_may_come_as_a_header(api, prompts):
    prompt = prompts[0]
    body = answer_body(prompt)
    del body["idempotency_key"]
    first = submit(api, prompt, body, HTTP_IDEMPOTENCY_KEY="hdr-1")
    second = submit(api, prompt, body, HTTP_IDEMPOTENCY_KEY="hdr-1")
    assert (first.status_code, second.status_code) == (201, 200)
    assert Answer.objects.get().idempotency_key == "hdr-1"


def test_missing_idempotency_key_is_400(api, prompts):
    """The key is a required field, as the schema says."""
    body = answer_body(prompts[0])
    del body["idempotency_key"]
    response = submit(api, prompts[0], body)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid" and "idempotency_key" in error["fields"]


def test_answering_another_reps_prompt_is_404_and_writes_nothing(
    api, other_rep, questions
):
    theirs = make_prompt(rep=other_rep, question=questions[0])
    for prompt in (theirs, Prompt(id=uuid.uuid4(), question=questions[0])):
        response = submit(api, prompt, answer_body(theirs))
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "prompt_not_found"
    theirs.refresh_from_db()
    assert theirs.status == Prompt.Status.DELIVERED
    assert not Answer.objects.exists()


def test_second_answer_with_a_new_key_is_409(api, prompts):
    prompt = prompts[0]
    submit(api, prompt, answer_body(prompt, key="a"))
    response = submit(api, prompt, answer_body(prompt, key="b"))
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "already_answered"


def test_key_reused_for_another_prompt_is_409(api, prompts):
    submit(api, prompts[0], answer_body(prompts[0], key="k"))
    response = submit(api, prompts[1], answer_body(prompts[1], key="k"))
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "idempotency_key_reused"


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"choice_ids": []}, "invalid", "choice_ids"),
        ({"choice_ids": ["x"]}, "invalid", "choice_ids.0"),
        ({"confidence": "maybe"}, "invalid", "confidence"),
        ({"response_ms": -1}, "invalid", "response_ms"),
        ({"idempotency_key": "x" * 65}, "invalid", "idempotency_key"),
        ({"client_answered_at": "yesterday"}, "invalid", "client_answered_at"),
    ],
)
def test_invalid_input_is_400_with_field_errors(api, prompts, change, code, field):
    response = submit(api, prompts[0], answer_body(prompts[0]) | change)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == code and field in error["fields"]
    assert not Answer.objects.exists()


def test_choice_of_another_question_is_422(api, prompts):
    other_choice = prompts[1].question.choices.first()
    body = answer_body(prompts[0]) | {"choice_ids": [other_choice.id]}
    response = submit(api, prompts[0], body)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_choice"


def test_two_choices_on_a_single_choice_question_is_400(api, prompts):
    ids = list(prompts[0].question.choices.values_list("id", flat=True)[:2])
    response = submit(api, prompts[0], answer_body(prompts[0]) | {"choice_ids": ids})
    assert response.json()["error"]["code"] == "invalid_choice"


def test_future_client_timestamp_is_422(api, prompts):
    later = (timezone.now() + dt.timedelta(hours=1)).isoformat()
    body = answer_body(prompts[0]) | {"client_answered_at": later}
    response = submit(api, prompts[0], body)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "future_timestamp"


def test_retired_question_is_422(api, prompts):
    Question.objects.filter(pk=prompts[0].question_id).update(
        status=Question.Status.RETIRED
    )
    response = submit(api, prompts[0], answer_body(prompts[0]))
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "question_retired"


def test_a_user_without_rep_profile_is_403(prompts):
    from rest_framework.test import APIClient

    from tests.factories.enablement import UserFactory

    client = APIClient()
    client.force_authenticate(UserFactory())
    response = submit(client, prompts[0], answer_body(prompts[0]))
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "not_a_rep"


@pytest.mark.parametrize("replayed", [False, True])
def test_answer_output_matches_the_declared_fields(api, prompts, replayed):
    """The hand-built representation equals DRF's generic one, field for field."""
    from rest_framework import serializers

    from reinforcement.api.serializers import AnswerOutputSerializer
    from reinforcement.services.answers import answer_submit

    prompt = prompts[0]
    wrong = prompt.question.choices.filter(is_correct=False).first()
    kwargs = dict(
        rep_id=prompt.rep_id,
        prompt_id=prompt.id,
        choice_ids=[wrong.id],
        confidence="certain",
        idempotency_key="same",
        now=timezone.now(),
    )
    outcome = answer_submit(**kwargs)
    if replayed:
        outcome = answer_submit(**kwargs)
    assert outcome.replayed is replayed
    serializer = AnswerOutputSerializer(outcome.feedback)
    generic = serializers.Serializer.to_representation(serializer, outcome.feedback)
    assert serializer.data == generic
    assert generic["next_due"] and generic["choices"] and generic["peers"]["total"]
