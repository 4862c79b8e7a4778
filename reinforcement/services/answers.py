"""Record an answer: one transaction that advances the rep's memory of the question."""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from enablement.models import Choice, Question
from reinforcement.models import Answer, MemoryState, Prompt
from reinforcement.services.memory_models import organization_memory_model
from reinforcement.services.rollups import rep_rollups_refresh, rollups_answer_apply
from reinforcement.services.scheduling import (
    Confidence,
    Memory,
    Rating,
    elapsed_days_between,
    rating_for,
)

# Clients' clocks drift; a client timestamp this far ahead is still accepted.
CLIENT_CLOCK_SKEW = dt.timedelta(minutes=2)


class AnswerRejected(Exception):
    """The answer was refused and nothing was written. ``code`` is machine-readable."""

    def __init__(self, code: str, message: str):
        self.code = code
        self.message = message
        super().__init__(message)


@dataclass(frozen=True)
class AnswerOutcome:
    answer: Answer
    replayed: (
        bool  # True when the idempotency key had been seen: nothing new was written
    )
    correct_choice_ids: list[int]
    next_due: dt.datetime | None


def answer_submit(
    *,
    rep_id: int,
    prompt_id,
    choice_ids: list[int],
    confidence: str,
    idempotency_key: str,
    now: dt.datetime,
    response_ms: int | None = None,
    client_answered_at: dt.datetime | None = None,
    rollup_refresh: str | None = None,
) -> AnswerOutcome:
    """Record a rep's answer to a prompt and update their memory state.

    Locks the prompt, then the memory state. The same idempotency key returns
    the first result and writes nothing, also when two requests race.
    ``rollup_refresh`` ("deferred", "inline" or "none", default from the
    REINFORCEMENT_ROLLUP_REFRESH_INLINE setting) says when the participation,
    snapshot and ramp rows are recomputed; "none" is for bulk loads that
    rebuild them afterwards.
    """
    if confidence not in Confidence.CHOICES:
        raise AnswerRejected(
            "invalid_confidence", _("Confidence must be guess, fairly_sure or certain.")
        )
    if not idempotency_key or len(idempotency_key) > 64:
        raise AnswerRejected(
            "invalid_idempotency_key",
            _("Send an idempotency key of 1 to 64 characters."),
        )
    if client_answered_at is not None and client_answered_at > now + CLIENT_CLOCK_SKEW:
        raise AnswerRejected(
            "future_timestamp", _("The answer's timestamp is in the future.")
        )
    try:
        with transaction.atomic():
            return _answer_submit_locked(
                rep_id, prompt_id, choice_ids, confidence, idempotency_key, now,
                response_ms, client_answered_at, rollup_refresh,
            )  # fmt: skip
    except IntegrityError:
        # A racing request with the same key committed first: replay its result.
        replay = _replay(rep_id, idempotency_key, prompt_id)
        if replay is None:
            raise
        return replay


def _replay(rep_id: int, idempotency_key: str, prompt_id) -> AnswerOutcome | None:
    answer = (
        Answer.objects.filter(rep_id=rep_id, idempotency_key=idempotency_key)
        .select_related("question")
        .first()
    )
    if answer is None:
        return None
    if str(answer.prompt_id) != str(prompt_id):
        raise AnswerRejected(
            "idempotency_key_reused",
            _("This idempotency key was used for another prompt."),
        )
    state = MemoryState.objects.filter(
        rep_id=rep_id, question_id=answer.question_id
    ).first()
    return AnswerOutcome(
        answer=answer,
        replayed=True,
        correct_choice_ids=_correct_ids(answer.question_id),
        next_due=state.due if state else None,
    )


def _correct_ids(question_id: int) -> list[int]:
    return list(
        Choice.objects.filter(question_id=question_id, is_correct=True)
        .order_by("position", "id")
        .values_list("id", flat=True)
    )


def _answer_submit_locked(
    rep_id,
    prompt_id,
    choice_ids,
    confidence,
    idempotency_key,
    now,
    response_ms,
    client_at,
    rollup_refresh,
) -> AnswerOutcome:
    prompt = (
        # of=("self",): lock only the prompt row. Without it PostgreSQL also
        # locks the joined question, module and methodology rows, and every
        # answer in the organization queues behind the others.
        Prompt.objects.select_for_update(of=("self",))
        .filter(pk=prompt_id, rep_id=rep_id)
        .select_related("question__module__methodology__organization")
        .first()
    )
    if prompt is None:
        # Another rep's prompt is reported exactly like an unknown one.
        raise AnswerRejected("prompt_not_found", _("No such prompt."))
    # Checked under the prompt's lock, so a racing request with the same key
    # that committed while this one waited is seen here.
    replay = _replay(rep_id, idempotency_key, prompt_id)
    if replay is not None:
        return replay
    if prompt.status == Prompt.Status.ANSWERED:
        raise AnswerRejected(
            "already_answered", _("This prompt has already been answered.")
        )
    question = prompt.question
    if question.status == Question.Status.RETIRED:
        raise AnswerRejected("question_retired", _("This question has been retired."))

    choices = list(question.choices.all())
    chosen = set(choice_ids)
    valid_ids = {c.id for c in choices}
    if not chosen or not chosen <= valid_ids or len(chosen) != len(choice_ids):
        raise AnswerRejected(
            "invalid_choice", _("Pick one or more choices of this question.")
        )
    if question.kind != Question.Kind.MULTIPLE_CHOICE and len(chosen) != 1:
        raise AnswerRejected(
            "invalid_choice", _("Pick exactly one choice for this question.")
        )
    correct_ids = [c.id for c in choices if c.is_correct]
    correct = chosen == set(correct_ids)

    state, _created = MemoryState.objects.select_for_update().get_or_create(
        rep_id=rep_id, question_id=question.id
    )
    organization_id = question.module.methodology.organization_id
    model = organization_memory_model(organization_id=organization_id)
    rating = rating_for(correct=correct, confidence=confidence)
    before = Memory(state.stability, state.difficulty)
    elapsed = (
        elapsed_days_between(state.last_review, now) if state.last_review else None
    )
    predicted = model.recall(before.stability, elapsed) if not before.is_new else None
    after = model.next_memory(before, rating, elapsed or 0.0)

    target = question.module.methodology.organization.target_retention
    was_reviewed = state.state != MemoryState.State.NEW
    state.stability, state.difficulty = after.stability, after.difficulty
    state.state = (
        MemoryState.State.RELEARNING
        if rating == Rating.AGAIN
        else MemoryState.State.REVIEW
    )
    state.last_review = now
    state.due = now + dt.timedelta(days=model.interval(after.stability, target))
    state.review_count += 1
    state.lapse_count += int(rating == Rating.AGAIN and was_reviewed)
    state.save()

    answer = Answer.objects.create(
        prompt=prompt,
        rep_id=rep_id,
        question=question,
        question_version=question.version,
        idempotency_key=idempotency_key,
        chosen_choice_ids=sorted(chosen),
        choice_count=len(choices),
        correct=correct,
        confidence=confidence,
        response_ms=response_ms,
        rating=int(rating),
        elapsed_days=elapsed,
        predicted_recall=predicted,
        stability_before=before.stability,
        stability_after=after.stability,
        difficulty_after=after.difficulty,
        on_time=prompt.status != Prompt.Status.EXPIRED and now <= prompt.expires_at,
        client_answered_at=client_at,
        answered_at=now,
    )
    prompt.status = Prompt.Status.ANSWERED
    prompt.answered_at = now
    prompt.save(update_fields=["status", "answered_at", "updated_at"])
    rollups_answer_apply(answer=answer, question=question)
    if rollup_refresh is None:
        inline = settings.REINFORCEMENT_ROLLUP_REFRESH_INLINE
        rollup_refresh = "inline" if inline else "deferred"
    if rollup_refresh == "inline":
        rep_rollups_refresh(answer_id=answer.pk)
    elif rollup_refresh == "deferred":
        transaction.on_commit(lambda: _refresh_later(answer.pk), robust=True)
    return AnswerOutcome(
        answer=answer,
        replayed=False,
        correct_choice_ids=correct_ids,
        next_due=state.due,
    )


def _refresh_later(answer_id) -> None:
    # Imported here: tasks import services. With robust=True at the caller and
    # retry=False here, a broker outage neither fails nor holds the answer; the
    # periodic refreshes catch up.
    from reinforcement.tasks import rep_rollups_refresh_task

    rep_rollups_refresh_task.apply_async(
        kwargs={"answer_id": str(answer_id)}, retry=False
    )
