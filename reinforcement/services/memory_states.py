"""The first memory state of an enrolled question, made by the planner."""

import datetime as dt

from reinforcement.memory.scheduling import MemoryModel
from reinforcement.models import MemoryState


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
