"""The answer computation, without a database (no django_db mark: a query fails)."""

import dataclasses
import datetime as dt
import subprocess
import sys
import uuid

import pytest

from enablement.models import Question
from reinforcement.kpi_rules import SELECT_ALL_KIND
from reinforcement.memory import answering
from reinforcement.memory.answering import (
    AnswerContext,
    AnswerInput,
    AnswerRefusal,
    AnswerRequest,
    AnswerRows,
    ChoiceContext,
    StoredMemory,
    answer_compute,
    answer_request_refusal,
)
from reinforcement.memory.scheduling import (
    DEFAULT_RATING_MAP,
    Memory,
    MemoryModel,
    Rating,
)
from reinforcement.models import Answer, MemoryState, Prompt

NOW = dt.datetime(2026, 11, 24, 10, tzinfo=dt.UTC)
MODEL = MemoryModel()
RIGHT, WRONG_A, WRONG_B = 11, 12, 13
CHOICES = [
    ChoiceContext(RIGHT, "right", True, "", picks=3),
    ChoiceContext(WRONG_A, "wrong a", False, "", picks=1),
    ChoiceContext(WRONG_B, "wrong b", False, "", picks=0),
]


def context(**changes) -> AnswerContext:
    base = AnswerContext(
        prompt_status="delivered",
        prompt_local_date=NOW.date(),
        prompt_expires_at=NOW + dt.timedelta(hours=8),
        question_id=7,
        question_kind="single_choice",
        question_status="published",
        question_version=2,
        topic_id=5,
        module_id=4,
        explanation="Because.",
        reference_url="",
        organization_id=1,
        target_retention=0.9,
        fit_id=None,
        choices=CHOICES,
        memory=None,
        key_seen=False,
        peer_answers=4,
    )
    return dataclasses.replace(base, **changes)


def reviewed(days_ago: float, *, state: str = "review") -> StoredMemory:
    return StoredMemory(
        id=3,
        state=state,
        stability=8.0,
        difficulty=5.0,
        last_review=NOW - dt.timedelta(days=days_ago),
        review_count=2,
        lapse_count=1,
    )


def compute(
    choice_ids=(RIGHT,), confidence="fairly_sure", rating_map=DEFAULT_RATING_MAP, **ctx
) -> AnswerRows | AnswerRefusal:
    request = AnswerRequest(
        rep_id=9,
        prompt_id=uuid.UUID(int=1),
        choice_ids=list(choice_ids),
        confidence=confidence,
        idempotency_key="k",
        now=NOW,
        response_ms=4000,
    )
    return answer_compute(
        data=AnswerInput(
            request=request,
            context=context(**ctx),
            model=MODEL,
            rating_map=rating_map,
            answer_id=uuid.UUID(int=2),
        )
    )


def test_first_right_answer_is_a_first_review():
    """A first answer has no prediction or elapsed time; the memory starts at one review."""
    rows = compute()
    assert rows.answer["correct"] and rows.answer["rating"] == Rating.GOOD
    assert rows.answer["elapsed_days"] is None
    assert rows.answer["predicted_recall"] is None
    assert rows.answer["stability_before"] is None
    first = MODEL.next_memory(Memory(), Rating.GOOD, 0)
    assert rows.answer["stability_after"] == rows.memory["stability"] == first.stability
    assert rows.memory["state"] == "review"
    assert (rows.memory["review_count"], rows.memory["lapse_count"]) == (1, 0)
    assert rows.due == NOW + dt.timedelta(days=MODEL.interval(first.stability, 0.9))
    assert rows.memory["due"] == rows.due and rows.memory["last_review"] == NOW
    assert rows.prompt == {"status": "answered", "answered_at": NOW, "updated_at": NOW}


def test_wrong_answer_is_again_whatever_the_confidence():
    rows = compute(choice_ids=[WRONG_A], confidence="certain")
    assert not rows.answer["correct"] and rows.answer["rating"] == Rating.AGAIN
    assert rows.memory["state"] == "relearning"
    # A first wrong answer is learning, not a lapse.
    assert rows.memory["lapse_count"] == 0
    assert not rows.facts.correct and rows.facts.chosen_choice_ids == (WRONG_A,)


@pytest.mark.parametrize(
    ("confidence", "rating"),
    [("guess", Rating.AGAIN), ("fairly_sure", Rating.GOOD), ("certain", Rating.EASY)],
)
def test_confidence_of_a_right_answer_sets_the_rating(confidence, rating):
    rows = compute(confidence=confidence)
    assert rows.answer["correct"] and rows.answer["rating"] == rating


def test_the_rating_map_given_is_the_one_used():
    """A deployment's own map (REINFORCEMENT_RATING_MAP) grades the answer."""
    lenient = dict(DEFAULT_RATING_MAP, guess=Rating.HARD)
    assert compute(confidence="guess", rating_map=lenient).answer["rating"] == 2


def test_review_uses_the_elapsed_time_and_predicts_recall():
    rows = compute(choice_ids=[WRONG_B], memory=reviewed(10))
    assert rows.answer["elapsed_days"] == pytest.approx(10)
    assert rows.answer["stability_before"] == 8.0
    assert rows.answer["predicted_recall"] == pytest.approx(MODEL.recall(8.0, 10))
    after = MODEL.next_memory(Memory(8.0, 5.0), Rating.AGAIN, 10)
    assert rows.memory["stability"] == after.stability < 8.0
    assert (rows.memory["review_count"], rows.memory["lapse_count"]) == (3, 2)
    assert rows.facts.elapsed_days == pytest.approx(10)
    assert rows.facts.predicted_recall == rows.answer["predicted_recall"]


def test_a_wrong_answer_to_a_taught_memory_is_no_lapse():
    """A memory taught live (state new, with a stability) has never been
    reviewed: forgetting it is not a lapse, but the elapsed time counts."""
    taught = dataclasses.replace(
        reviewed(3, state="new"), review_count=0, lapse_count=0
    )
    rows = compute(choice_ids=[WRONG_A], memory=taught)
    assert (rows.memory["review_count"], rows.memory["lapse_count"]) == (1, 0)
    assert rows.answer["elapsed_days"] == pytest.approx(3)


@pytest.mark.parametrize(
    ("status", "expires_in_hours"), [("expired", 8), ("delivered", -1)]
)
def test_late_answer_is_a_review_but_not_on_time(status, expires_in_hours):
    rows = compute(
        prompt_status=status,
        prompt_expires_at=NOW + dt.timedelta(hours=expires_in_hours),
    )
    assert isinstance(rows, AnswerRows) and rows.memory["review_count"] == 1
    assert not rows.answer["on_time"] and not rows.facts.on_time


def test_answer_in_time_is_on_time():
    assert compute().answer["on_time"] and compute().facts.on_time


@pytest.mark.parametrize(
    "choice_ids",
    [[], [99], [RIGHT, RIGHT], [RIGHT, WRONG_A]],
    ids=["none", "other_question", "repeated", "two_on_single_choice"],
)
def test_invalid_choices_are_refused(choice_ids):
    assert compute(choice_ids=choice_ids).code == "invalid_choice"


def test_retired_question_is_refused_before_the_choices_are_checked():
    refusal = compute(choice_ids=[], question_status="retired")
    assert refusal == AnswerRefusal(
        "question_retired", "This question has been retired."
    )


def test_select_all_needs_exactly_the_correct_set():
    choices = [
        ChoiceContext(1, "a", True, "", 0),
        ChoiceContext(2, "b", True, "", 0),
        ChoiceContext(3, "c", False, "", 0),
    ]
    kind = {"question_kind": SELECT_ALL_KIND, "choices": choices}
    assert not compute(choice_ids=[1], **kind).answer["correct"]
    assert not compute(choice_ids=[1, 2, 3], **kind).answer["correct"]
    both = compute(choice_ids=[2, 1], **kind)
    assert both.answer["correct"] and both.answer["chosen_choice_ids"] == [1, 2]
    assert both.facts.correct_choice_ids == frozenset({1, 2})


def test_feedback_counts_include_this_answer():
    rows = compute(choice_ids=[WRONG_A])
    assert [c.picks for c in rows.choices] == [3, 2, 0]
    assert rows.peer_answers == 5


def test_answer_columns_are_the_answer_model_fields():
    """The row written is a whole Answer (Answer.from_db takes it positionally)."""
    rows = compute()
    assert list(rows.answer) == [f.attname for f in Answer._meta.concrete_fields]
    assert rows.answer["id"] == uuid.UUID(int=2)
    assert rows.answer["choice_count"] == 3 and rows.answer["response_ms"] == 4000


def test_the_status_strings_agree_with_the_models():
    assert answering.QUESTION_RETIRED == Question.Status.RETIRED
    assert SELECT_ALL_KIND == Question.Kind.MULTIPLE_CHOICE
    assert answering.PROMPT_ANSWERED == Prompt.Status.ANSWERED
    assert answering.PROMPT_EXPIRED == Prompt.Status.EXPIRED
    assert (
        answering.MEMORY_NEW,
        answering.MEMORY_REVIEW,
        answering.MEMORY_RELEARNING,
    ) == tuple(MemoryState.State.values)


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"confidence": "very"}, "invalid_confidence"),
        ({"idempotency_key": ""}, "invalid_idempotency_key"),
        ({"idempotency_key": "x" * 65}, "invalid_idempotency_key"),
        (
            {"client_answered_at": NOW + dt.timedelta(minutes=3)},
            "future_timestamp",
        ),
    ],
)
def test_bad_requests_are_refused_before_any_read(changes, code):
    request = {
        "confidence": "guess",
        "idempotency_key": "x" * 64,
        "client_answered_at": NOW + dt.timedelta(minutes=1),  # within the skew
        "now": NOW,
    }
    assert answer_request_refusal(**request) is None
    assert answer_request_refusal(**(request | changes)).code == code


def test_the_module_needs_no_database_layer():
    code = (
        "import sys, reinforcement.memory.answering; print('django.db' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"
