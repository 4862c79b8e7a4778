"""Memory states outside answering: the planner's first one, a major edit's reset."""

import datetime as dt

from django.db import transaction

from reinforcement.memory.scheduling import MemoryModel
from reinforcement.models import MemoryState
from reinforcement.services.prompts import prompts_withdraw


def memory_state_initial(
    *,
    rep_id: int,
    question_id: int,
    taught_on: dt.date | None,
    model: MemoryModel,
    now: dt.datetime,
) -> MemoryState:
    """The first memory state of an enrolled question (unsaved).

    New when the question will first be met in a quiz; when its module was
    taught live on a past day, as after a first successful study that day.
    """
    if taught_on is None or taught_on > now.date():
        return MemoryState(rep_id=rep_id, question_id=question_id)
    taught = model.taught_memory()
    return MemoryState(
        rep_id=rep_id,
        question_id=question_id,
        state=MemoryState.State.REVIEW,
        stability=taught.stability,
        difficulty=taught.difficulty,
        # Noon UTC of the teaching day: hours do not matter at these stabilities.
        last_review=dt.datetime.combine(taught_on, dt.time(12), tzinfo=dt.UTC),
    )


@transaction.atomic
def question_memory_reset(*, question_id: int, now: dt.datetime) -> tuple[int, int]:
    """A major edit: every rep's memory of the question starts over, as new.

    Their open prompts (of the old version) are withdrawn and their memory
    states set back to new, so the planner introduces the question again as
    new material. Answers stay: history, each marked with the version it
    answered. A racing answer that read the old state fails its guard (the
    review count changed) and, starting over, finds its prompt withdrawn.
    Returns (prompts withdrawn, memory states reset).
    """
    withdrawn = prompts_withdraw(
        now=now, question_ids=[question_id], reason="the question changed (major)"
    )
    reset = (
        MemoryState.objects.filter(question_id=question_id)
        .exclude(state=MemoryState.State.NEW, review_count=0)
        .update(
            state=MemoryState.State.NEW,
            stability=None,
            difficulty=None,
            due=None,
            last_review=None,
            review_count=0,
            lapse_count=0,
            updated_at=now,
        )
    )
    return withdrawn, reset
