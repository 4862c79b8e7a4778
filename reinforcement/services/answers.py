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
paths; they are rare. What the answer is worth (valid choices, rating, the FSRS
step, the rows) is computed by the pure ``reinforcement.memory.answering``;
this module reads, writes, refreshes and builds the feedback.
"""

import datetime as dt
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, IntegrityError
from django.utils.translation import gettext as _

from core.errors import ApplicationError
from ops import metrics
from reinforcement.db.write_batch import (
    Statement,
    insert_statement,
    statements_execute_guarded,
    update_statement,
)
from reinforcement.memory.answering import (
    AnswerContext,
    AnswerInput,
    AnswerRefusal,
    AnswerRequest,
    AnswerRows,
    answer_compute,
    answer_request_refusal,
)
from reinforcement.models import Answer, MemoryState, Prompt
from reinforcement.selectors.answer_context import answer_context_get
from reinforcement.selectors.feedback import (
    AnswerFeedback,
    answer_feedback_build,
    answer_feedback_get,
)
from reinforcement.selectors.memory_models import fit_memory_model, rating_map
from reinforcement.selectors.reps import rep_organization_id_get
from reinforcement.services.rollups.counters import rollup_answer_statements
from reinforcement.services.rollups.refresh import rep_rollups_refresh

# Two answers to one question by one rep (a daily and a refresher prompt) can
# race for its memory state; the loser starts over this many times.
MEMORY_STATE_RETRIES = 3
# Answer's columns in the order Answer.from_db takes them.
_ANSWER_FIELDS = tuple(f.attname for f in Answer._meta.concrete_fields)


class AnswerRejected(ApplicationError):
    """The answer was refused and nothing was written."""

    @classmethod
    def of(cls, refusal: AnswerRefusal) -> "AnswerRejected":
        return cls(refusal.code, refusal.message)


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


@metrics.answers_counted
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
    channel: str = "web",
) -> AnswerOutcome:
    """Record a rep's answer to a prompt, update their memory state and the KPI
    counters, and return the feedback to show.

    Writes only if no other answer moved the memory state since it was read
    (else it starts over). The same idempotency key returns the first result
    and writes nothing, also when two requests race. ``refresh_inline``
    (default: REINFORCEMENT_ROLLUP_REFRESH_INLINE) recomputes the
    participation, snapshot and ramp rows right after the write; otherwise
    the minutely ``recent_answers_refresh`` does (bulk loads pass False and
    rebuild them afterwards). ``channel`` records where the rep answered
    (``Answer.Channel``), for participation by channel.
    """
    refusal = answer_request_refusal(
        confidence=confidence,
        idempotency_key=idempotency_key,
        client_answered_at=client_answered_at,
        now=now,
    )
    if refusal is not None:
        raise AnswerRejected.of(refusal)
    try:
        prompt_uuid = uuid.UUID(str(prompt_id))
    except ValueError:
        raise AnswerRejected("prompt_not_found", _("No such prompt.")) from None
    request = AnswerRequest(
        rep_id=rep_id,
        prompt_id=prompt_uuid,
        choice_ids=choice_ids,
        confidence=confidence,
        idempotency_key=idempotency_key,
        now=now,
        response_ms=response_ms,
        client_answered_at=client_answered_at,
        channel=channel,
    )
    if refresh_inline is None:
        refresh_inline = settings.REINFORCEMENT_ROLLUP_REFRESH_INLINE
    for attempt in range(MEMORY_STATE_RETRIES):
        try:
            return _answer_record(request=request, refresh_inline=refresh_inline)
        except _MemoryStateMoved:
            if attempt == MEMORY_STATE_RETRIES - 1:
                raise AnswerRejected(
                    "conflict",
                    _("Another answer to this question is being recorded; try again."),
                ) from None
        except IntegrityError:
            # A racing request with the same key committed first: replay it.
            replay = _replay(request=request)
            if replay is None:
                raise
            return replay
    raise AssertionError("unreachable")


def _replay(*, request: AnswerRequest) -> AnswerOutcome | None:
    answer = (
        Answer.objects.filter(
            rep_id=request.rep_id, idempotency_key=request.idempotency_key
        )
        .select_related("question")
        .first()
    )
    if answer is None:
        return None
    if str(answer.prompt_id) != str(request.prompt_id):
        raise AnswerRejected(
            "idempotency_key_reused",
            _("This idempotency key was used for another prompt."),
        )
    if not _same_answer(answer=answer, request=request):
        # A retry repeats its body; another body under the key is a client bug.
        raise AnswerRejected(
            "idempotency_key_mismatch",
            _("This idempotency key was used with other choices or confidence."),
        )
    state = MemoryState.objects.filter(
        rep_id=request.rep_id, question_id=answer.question_id
    ).first()
    next_due = state.due if state else None
    return AnswerOutcome(
        answer=answer,
        replayed=True,
        feedback=answer_feedback_get(answer=answer, next_due=next_due, replayed=True),
    )


def _same_answer(*, answer: Answer, request: AnswerRequest) -> bool:
    """Whether the request repeats the recorded answer's choices and confidence.

    Timing fields (response_ms, client_answered_at) are not compared: a
    client may recompute them on a retry.
    """
    chosen = sorted(int(i) for i in answer.chosen_choice_ids)
    return (
        chosen == sorted(request.choice_ids) and answer.confidence == request.confidence
    )


def _refuse_missing_prompt(*, rep_id: int) -> AnswerRejected:
    # Another rep's prompt is reported exactly like an unknown one.
    if rep_organization_id_get(rep_id=rep_id) is None:
        return AnswerRejected("not_a_rep", _("This account has no rep profile."))
    return AnswerRejected("prompt_not_found", _("No such prompt."))


def _refuse_withdrawn_prompt(*, rep_id: int) -> AnswerRejected:
    # Taken back after a page or client showed it: say so, not "no such prompt".
    if rep_organization_id_get(rep_id=rep_id) is None:  # the rep left
        return AnswerRejected("not_a_rep", _("This account has no rep profile."))
    return prompt_withdrawn_refusal()


def prompt_withdrawn_refusal() -> AnswerRejected:
    """The refusal of an answer to a prompt taken back after it was shown."""
    return AnswerRejected(
        "prompt_withdrawn",
        _(
            "This question was retired or rewritten after it was shown to "
            "you, so your answer was not recorded."
        ),
    )


def _answer_record(*, request: AnswerRequest, refresh_inline: bool) -> AnswerOutcome:
    """Read the context, compute the answer (pure), write it, build the feedback."""
    context = answer_context_get(
        rep_id=request.rep_id,
        prompt_id=request.prompt_id,
        idempotency_key=request.idempotency_key,
    )
    if context is None:
        raise _refuse_missing_prompt(rep_id=request.rep_id)
    if context.prompt_status == Prompt.Status.WITHDRAWN:
        raise _refuse_withdrawn_prompt(rep_id=request.rep_id)
    if context.key_seen or context.prompt_status == Prompt.Status.ANSWERED:
        replay = _replay(request=request)
        if replay is not None:
            return replay
        raise AnswerRejected(
            "already_answered", _("This prompt has already been answered.")
        )
    rows = answer_compute(
        data=AnswerInput(
            request=request,
            context=context,
            # The rep's multiplier changes the predicted recall and the due
            # date stored with the answer, not the state the library advances.
            model=fit_memory_model(context.fit_id).with_forgetting(context.forgetting),
            rating_map=rating_map(),
            answer_id=uuid.uuid4(),
        )
    )
    if isinstance(rows, AnswerRefusal):
        raise AnswerRejected.of(rows)
    _answer_write(request=request, context=context, rows=rows)
    if refresh_inline:
        rep_rollups_refresh(answer_id=rows.answer["id"])
    # The row as just written, as Django builds an instance read from the database.
    answer = Answer.from_db(
        DEFAULT_DB_ALIAS, _ANSWER_FIELDS, [rows.answer[n] for n in _ANSWER_FIELDS]
    )
    feedback = answer_feedback_build(
        answer=answer,
        choices=rows.choices,
        explanation=context.explanation,
        reference_url=context.reference_url,
        peer_answers=rows.peer_answers,
        next_due=rows.due,
    )
    return AnswerOutcome(answer=answer, replayed=False, feedback=feedback)


def _answer_write(
    *, request: AnswerRequest, context: AnswerContext, rows: AnswerRows
) -> None:
    """Write the answer, the memory state, the prompt and the counters as one unit.

    Raises _MemoryStateMoved, writing nothing, if another answer moved the
    memory state since it was read.
    """
    statements = [
        insert_statement(Answer, rows.answer),
        update_statement(Prompt, rows.prompt, {"id": request.prompt_id}),
        *rollup_answer_statements(rows.facts),
    ]
    guard = _memory_statement(
        rep_id=request.rep_id, context=context, values=rows.memory
    )
    if not statements_execute_guarded(guard, statements):
        raise _MemoryStateMoved()


def _memory_statement(
    *, rep_id: int, context: AnswerContext, values: dict
) -> Statement:
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
