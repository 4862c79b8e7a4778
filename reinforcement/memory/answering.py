"""Grade one answer and advance the rep's memory: the answer path's arithmetic.

Pure: the answer service reads the context (``selectors/answer_context.py``),
hands it here with the request, and writes the rows this returns
(``services/answers.py``). No ORM and no database, so every rule of an
answer (which choices are valid, the rating, the next due time, what counts
as on time) is unit-tested without one.
"""

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from django.utils.translation import gettext as _

from reinforcement.kpi_rules import SELECT_ALL_KIND, AnswerFacts
from reinforcement.memory.scheduling import (
    Confidence,
    Memory,
    MemoryModel,
    Rating,
    elapsed_days_between,
    rating_for,
)

# The models' choice values this module needs, kept as strings so it needs
# no models (a test checks they agree): Question.Status.RETIRED,
# Prompt.Status.ANSWERED and EXPIRED, MemoryState.State.
QUESTION_RETIRED = "retired"
PROMPT_ANSWERED = "answered"
PROMPT_EXPIRED = "expired"
MEMORY_NEW = "new"
MEMORY_REVIEW = "review"
MEMORY_RELEARNING = "relearning"
# Clients' clocks drift; a client timestamp this far ahead is still accepted.
CLIENT_CLOCK_SKEW = dt.timedelta(minutes=2)
MAX_IDEMPOTENCY_KEY_LENGTH = 64


@dataclass(frozen=True)
class StoredMemory:
    id: int
    state: str
    stability: float | None
    difficulty: float | None
    last_review: dt.datetime | None
    review_count: int
    lapse_count: int


@dataclass(frozen=True)
class ChoiceContext:
    id: int
    text: str
    is_correct: bool
    feedback: str
    picks: int  # peers' picks before this answer


@dataclass(frozen=True)
class AnswerContext:
    """Everything the answer path reads about a rep's prompt, in one statement."""

    prompt_status: str
    prompt_local_date: dt.date
    prompt_expires_at: dt.datetime
    question_id: int
    question_kind: str
    question_status: str
    question_version: int
    topic_id: int
    module_id: int
    explanation: str
    reference_url: str
    organization_id: int
    target_retention: float
    fit_id: int | None  # the organization's adopted fit; None: FSRS defaults
    choices: list[ChoiceContext]
    memory: StoredMemory | None
    key_seen: bool  # an answer of the rep's already has this idempotency key
    peer_answers: int  # peers' answers before this one
    # The kind of edit that made question_version ("" for version 1).
    question_change: str = ""
    # The rep's forgetting multiplier (RepMemory; 1.0: the organization's model).
    forgetting: float = 1.0


@dataclass(frozen=True)
class AnswerRequest:
    """What the rep sent, as the service received it."""

    rep_id: int
    prompt_id: uuid.UUID
    choice_ids: Sequence[int]
    confidence: str
    idempotency_key: str
    now: dt.datetime
    response_ms: int | None = None
    client_answered_at: dt.datetime | None = None
    channel: str = "web"  # Answer.Channel: web, api, slack, teams, email


@dataclass(frozen=True)
class AnswerInput:
    request: AnswerRequest
    context: AnswerContext
    model: MemoryModel  # the organization's adopted fit (context.fit_id)
    rating_map: Mapping[str, int]
    answer_id: uuid.UUID


@dataclass(frozen=True)
class AnswerRefusal:
    """Why the answer is refused; nothing may be written."""

    code: str
    message: str


@dataclass(frozen=True)
class AnswerRows:
    """What one answer writes, and what its feedback shows."""

    answer: dict  # Answer column values by attname
    memory: dict  # MemoryState values (the row's key and version are the caller's)
    prompt: dict  # the Prompt update
    facts: AnswerFacts  # for the KPI counters
    due: dt.datetime
    # The peers' counts with this answer counted, for the feedback.
    choices: list[ChoiceContext]
    peer_answers: int


@dataclass(frozen=True)
class _Review:
    before: Memory
    after: Memory
    elapsed_days: float | None
    predicted_recall: float | None
    due: dt.datetime


def answer_request_refusal(
    *,
    confidence: str,
    idempotency_key: str,
    client_answered_at: dt.datetime | None,
    now: dt.datetime,
) -> AnswerRefusal | None:
    """Why a request is refused before anything is read, or None."""
    if confidence not in Confidence.CHOICES:
        return AnswerRefusal(
            "invalid_confidence", _("Confidence must be guess, fairly_sure or certain.")
        )
    if not idempotency_key or len(idempotency_key) > MAX_IDEMPOTENCY_KEY_LENGTH:
        return AnswerRefusal(
            "invalid_idempotency_key",
            _("Send an idempotency key of 1 to 64 characters."),
        )
    if client_answered_at is not None and client_answered_at > now + CLIENT_CLOCK_SKEW:
        return AnswerRefusal(
            "future_timestamp", _("The answer's timestamp is in the future.")
        )
    return None


def answer_compute(*, data: AnswerInput) -> AnswerRows | AnswerRefusal:
    """Grade the answer against the context read and advance the memory state.

    The caller has already dealt with a missing prompt and with replays
    (an answered prompt or a seen idempotency key).
    """
    request, context = data.request, data.context
    refusal = _choice_refusal(request=request, context=context)
    if refusal is not None:
        return refusal
    chosen = set(request.choice_ids)
    correct_ids = [c.id for c in context.choices if c.is_correct]
    correct = chosen == set(correct_ids)
    rating = rating_for(
        correct=correct, confidence=request.confidence, mapping=data.rating_map
    )
    review = _review(
        model=data.model, stored=context.memory, rating=rating,
        target_retention=context.target_retention, now=request.now,
    )  # fmt: skip
    answer = _answer_values(
        data=data, chosen=sorted(chosen), correct=correct, rating=rating, review=review
    )
    now = request.now
    return AnswerRows(
        answer=answer,
        memory=_memory_values(
            stored=context.memory, rating=rating, review=review, now=now
        ),
        prompt={"status": PROMPT_ANSWERED, "answered_at": now, "updated_at": now},
        facts=AnswerFacts(
            rep_id=request.rep_id,
            question_id=context.question_id,
            topic_id=context.topic_id,
            kind=context.question_kind,
            choice_count=answer["choice_count"],
            correct=correct,
            confidence=request.confidence,
            chosen_choice_ids=tuple(answer["chosen_choice_ids"]),
            correct_choice_ids=frozenset(correct_ids),
            on_time=answer["on_time"],
            answered_at=now,
            elapsed_days=review.elapsed_days,
            stability_before=review.before.stability,
            predicted_recall=review.predicted_recall,
        ),
        due=review.due,
        choices=[
            replace(c, picks=c.picks + 1) if c.id in chosen else c
            for c in context.choices
        ],
        peer_answers=context.peer_answers + 1,
    )


def _choice_refusal(
    *, request: AnswerRequest, context: AnswerContext
) -> AnswerRefusal | None:
    if context.question_status == QUESTION_RETIRED:
        return AnswerRefusal("question_retired", _("This question has been retired."))
    chosen = set(request.choice_ids)
    if (
        not chosen
        or not chosen <= {c.id for c in context.choices}
        or len(chosen) != len(request.choice_ids)
    ):
        return AnswerRefusal(
            "invalid_choice", _("Pick one or more choices of this question.")
        )
    if context.question_kind != SELECT_ALL_KIND and len(chosen) != 1:
        return AnswerRefusal(
            "invalid_choice", _("Pick exactly one choice for this question.")
        )
    return None


def _review(
    *,
    model: MemoryModel,
    stored: StoredMemory | None,
    rating: Rating,
    target_retention: float,
    now: dt.datetime,
) -> _Review:
    """The FSRS step: the memory before and after, and when it is due next."""
    before = (
        Memory(stored.stability, stored.difficulty) if stored is not None else Memory()
    )
    last_review = stored.last_review if stored is not None else None
    elapsed = elapsed_days_between(last_review, now) if last_review else None
    predicted = model.recall(before.stability, elapsed) if not before.is_new else None
    after = model.next_memory(before, rating, elapsed or 0.0)
    due = now + dt.timedelta(days=model.interval(after.stability, target_retention))
    return _Review(before, after, elapsed, predicted, due)


def _answer_values(
    *, data: AnswerInput, chosen: list[int], correct: bool, rating: Rating,
    review: _Review,
) -> dict:  # fmt: skip
    request, context = data.request, data.context
    return {
        "id": data.answer_id,
        "prompt_id": request.prompt_id,
        "rep_id": request.rep_id,
        "question_id": context.question_id,
        "question_version": context.question_version,
        "question_change": context.question_change,
        "idempotency_key": request.idempotency_key,
        "chosen_choice_ids": chosen,
        "choice_count": len(context.choices),
        "correct": correct,
        "confidence": request.confidence,
        "response_ms": request.response_ms,
        "rating": int(rating),
        "elapsed_days": review.elapsed_days,
        "predicted_recall": review.predicted_recall,
        "stability_before": review.before.stability,
        "stability_after": review.after.stability,
        "difficulty_after": review.after.difficulty,
        # A late answer to an expired prompt is a review all the same. An
        # answer made offline counts by when the rep made it (the client's
        # clock, refused if ahead of the server's by more than the skew).
        "on_time": (request.client_answered_at or request.now)
        <= context.prompt_expires_at
        and (
            context.prompt_status != PROMPT_EXPIRED
            or request.client_answered_at is not None
        ),
        "client_answered_at": request.client_answered_at,
        "answered_at": request.now,
        "channel": request.channel,
    }


def _memory_values(
    *, stored: StoredMemory | None, rating: Rating, review: _Review, now: dt.datetime
) -> dict:
    lapsed = rating == Rating.AGAIN
    # Only a lapse of a memory already reviewed counts; a first wrong answer
    # is learning, not forgetting.
    was_reviewed = stored is not None and stored.state != MEMORY_NEW
    return {
        "state": MEMORY_RELEARNING if lapsed else MEMORY_REVIEW,
        "stability": review.after.stability,
        "difficulty": review.after.difficulty,
        "due": review.due,
        "last_review": now,
        "review_count": (stored.review_count if stored is not None else 0) + 1,
        "lapse_count": (stored.lapse_count if stored is not None else 0)
        + int(lapsed and was_reviewed),
        "updated_at": now,
    }
