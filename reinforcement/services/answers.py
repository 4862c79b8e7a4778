"""Record an answer: advance the rep's memory of the question, atomically.

The hot path of the service (every rep, every day): one read of everything it
needs, then one atomic write of the answer, the memory state, the prompt and
the KPI counters, with no ORM query compilation (docs/benchmarks.md, "Answer
endpoint under load"). Concurrency is optimistic: the write happens only if
the memory state is still the one read (its review count is the version), and
starts over otherwise. The count is a complete version because only answers
change an existing memory state (planning only inserts missing ones, and an
insert racing this one makes the guard's own insert write nothing). Every
answer of a (rep, question) moves that version, so of two racing answers to
one prompt only one is written. Replays and refusals take the slower ORM
paths; they are rare.
"""

import datetime as dt
import uuid
from dataclasses import dataclass, replace

from django.conf import settings
from django.db import IntegrityError
from django.utils.translation import gettext as _

from enablement.models import Question
from reinforcement.db.write_batch import (
    Statement,
    insert_statement,
    statements_execute_guarded,
    update_statement,
)
from reinforcement.kpi_rules import AnswerFacts
from reinforcement.memory.scheduling import (
    Confidence,
    Memory,
    Rating,
    elapsed_days_between,
    rating_for,
)
from reinforcement.models import Answer, MemoryState, Prompt
from reinforcement.selectors.answer_context import AnswerContext, answer_context_get
from reinforcement.selectors.feedback import (
    AnswerFeedback,
    answer_feedback_build,
    answer_feedback_get,
)
from reinforcement.selectors.memory_models import fit_memory_model
from reinforcement.selectors.reps import rep_organization_id_get
from reinforcement.services.rollups.counters import rollup_answer_statements
from reinforcement.services.rollups.refresh import rep_rollups_refresh

# Clients' clocks drift; a client timestamp this far ahead is still accepted.
CLIENT_CLOCK_SKEW = dt.timedelta(minutes=2)
# Two answers to one question by one rep (a daily and a refresher prompt) can
# race for its memory state; the loser starts over this many times.
MEMORY_STATE_RETRIES = 3


class AnswerRejected(Exception):
    """The answer was refused and nothing was written. ``code`` is machine-readable."""

    def __init__(self, code: str, message: str):
        self.code = code
        self.message = message
        super().__init__(message)


class _MemoryStateMoved(Exception):
    """Another answer updated the memory state since it was read."""


@dataclass(frozen=True)
class AnswerOutcome:
    answer: Answer
    # True when the idempotency key had been seen: nothing new was written.
    replayed: bool
    feedback: AnswerFeedback

    @property
    def correct_choice_ids(self) -> list[int]:
        return self.feedback.correct_choice_ids

    @property
    def next_due(self) -> dt.datetime | None:
        return self.feedback.next_due


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
    refresh_inline: bool | None = None,
) -> AnswerOutcome:
    """Record a rep's answer to a prompt, update their memory state and the KPI
    counters, and return the feedback to show.

    Writes only if no other answer moved the memory state since it was read
    (else it starts over). The same idempotency key returns the first result
    and writes nothing, also when two requests race. ``refresh_inline``
    (default: REINFORCEMENT_ROLLUP_REFRESH_INLINE) recomputes the
    participation, snapshot and ramp rows right after the write; otherwise
    the minutely ``recent_answers_refresh`` does (bulk loads pass False and
    rebuild them afterwards).
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
        prompt_uuid = uuid.UUID(str(prompt_id))
    except ValueError:
        raise AnswerRejected("prompt_not_found", _("No such prompt.")) from None
    if refresh_inline is None:
        refresh_inline = settings.REINFORCEMENT_ROLLUP_REFRESH_INLINE
    for attempt in range(MEMORY_STATE_RETRIES):
        try:
            return _answer_record(
                rep_id, prompt_uuid, choice_ids, confidence, idempotency_key,
                now, response_ms, client_answered_at, refresh_inline,
            )  # fmt: skip
        except _MemoryStateMoved:
            if attempt == MEMORY_STATE_RETRIES - 1:
                raise AnswerRejected(
                    "conflict",
                    _("Another answer to this question is being recorded; try again."),
                ) from None
        except IntegrityError:
            # A racing request with the same key committed first: replay it.
            replay = _replay(rep_id, idempotency_key, prompt_uuid)
            if replay is None:
                raise
            return replay
    raise AssertionError("unreachable")


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
    next_due = state.due if state else None
    return AnswerOutcome(
        answer=answer,
        replayed=True,
        feedback=answer_feedback_get(answer=answer, next_due=next_due, replayed=True),
    )


def _refuse_missing_prompt(rep_id: int) -> AnswerRejected:
    # Another rep's prompt is reported exactly like an unknown one.
    if rep_organization_id_get(rep_id=rep_id) is None:
        return AnswerRejected("not_a_rep", _("This account has no rep profile."))
    return AnswerRejected("prompt_not_found", _("No such prompt."))


def _answer_record(
    rep_id, prompt_id, choice_ids, confidence, idempotency_key, now,
    response_ms, client_at, refresh_inline,
) -> AnswerOutcome:  # fmt: skip
    context = answer_context_get(
        rep_id=rep_id, prompt_id=prompt_id, idempotency_key=idempotency_key
    )
    if context is None:
        raise _refuse_missing_prompt(rep_id)
    if context.key_seen or context.prompt_status == Prompt.Status.ANSWERED:
        replay = _replay(rep_id, idempotency_key, prompt_id)
        if replay is not None:
            return replay
        raise AnswerRejected(
            "already_answered", _("This prompt has already been answered.")
        )
    if context.question_status == Question.Status.RETIRED:
        raise AnswerRejected("question_retired", _("This question has been retired."))

    choices = context.choices
    chosen = set(choice_ids)
    if (
        not chosen
        or not chosen <= {c.id for c in choices}
        or len(chosen) != len(choice_ids)
    ):
        raise AnswerRejected(
            "invalid_choice", _("Pick one or more choices of this question.")
        )
    if context.question_kind != Question.Kind.MULTIPLE_CHOICE and len(chosen) != 1:
        raise AnswerRejected(
            "invalid_choice", _("Pick exactly one choice for this question.")
        )
    correct_ids = [c.id for c in choices if c.is_correct]
    correct = chosen == set(correct_ids)

    model = fit_memory_model(context.fit_id)
    rating = rating_for(correct=correct, confidence=confidence)
    stored = context.memory
    before = (
        Memory(stored.stability, stored.difficulty) if stored is not None else Memory()
    )
    last_review = stored.last_review if stored is not None else None
    elapsed = elapsed_days_between(last_review, now) if last_review else None
    predicted = model.recall(before.stability, elapsed) if not before.is_new else None
    after = model.next_memory(before, rating, elapsed or 0.0)
    due = now + dt.timedelta(
        days=model.interval(after.stability, context.target_retention)
    )
    was_reviewed = stored is not None and stored.state != MemoryState.State.NEW
    answer = Answer(
        id=uuid.uuid4(),
        prompt_id=prompt_id,
        rep_id=rep_id,
        question_id=context.question_id,
        question_version=context.question_version,
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
        on_time=context.prompt_status != Prompt.Status.EXPIRED
        and now <= context.prompt_expires_at,
        client_answered_at=client_at,
        answered_at=now,
    )
    memory_values = {
        "state": (
            MemoryState.State.RELEARNING
            if rating == Rating.AGAIN
            else MemoryState.State.REVIEW
        ),
        "stability": after.stability,
        "difficulty": after.difficulty,
        "due": due,
        "last_review": now,
        "review_count": (stored.review_count if stored else 0) + 1,
        "lapse_count": (stored.lapse_count if stored else 0)
        + int(rating == Rating.AGAIN and was_reviewed),
        "updated_at": now,
    }
    statements = [
        insert_statement(
            Answer,
            {
                f.attname: getattr(answer, f.attname)
                for f in Answer._meta.concrete_fields
            },
        ),
        update_statement(
            Prompt,
            {"status": Prompt.Status.ANSWERED, "answered_at": now, "updated_at": now},
            {"id": prompt_id},
        ),
        *rollup_answer_statements(
            AnswerFacts(
                rep_id=rep_id,
                question_id=context.question_id,
                topic_id=context.topic_id,
                kind=context.question_kind,
                choice_count=answer.choice_count,
                correct=correct,
                confidence=confidence,
                chosen_choice_ids=tuple(answer.chosen_choice_ids),
                correct_choice_ids=frozenset(correct_ids),
                on_time=answer.on_time,
                answered_at=now,
                elapsed_days=elapsed,
                stability_before=answer.stability_before,
                predicted_recall=predicted,
            )
        ),
    ]
    if not statements_execute_guarded(
        _memory_statement(rep_id, context, memory_values), statements
    ):
        raise _MemoryStateMoved()
    if refresh_inline:
        rep_rollups_refresh(answer_id=answer.pk)
    answer._state.adding = False
    answer._state.db = "default"
    # The counts were read before this answer; it counts itself.
    feedback = answer_feedback_build(
        answer=answer,
        choices=[
            replace(c, picks=c.picks + 1) if c.id in chosen else c for c in choices
        ],
        explanation=context.explanation,
        reference_url=context.reference_url,
        peer_answers=context.peer_answers + 1,
        next_due=due,
    )
    return AnswerOutcome(answer=answer, replayed=False, feedback=feedback)


def _memory_statement(rep_id: int, context: AnswerContext, values: dict) -> Statement:
    """Write the new memory state only if no other answer moved it since the read.

    The review count is the version: an update whose count changed, or an
    insert that finds the row created meanwhile, writes nothing, so nothing
    of the answer is written and the caller starts over.
    """
    if context.memory is not None:
        return update_statement(
            MemoryState,
            values,
            {"id": context.memory.id, "review_count": context.memory.review_count},
        )
    return insert_statement(
        MemoryState,
        {
            "rep_id": rep_id,
            "question_id": context.question_id,
            "created_at": values["updated_at"],
            **values,
        },
        on_conflict_ignore=True,
    )
