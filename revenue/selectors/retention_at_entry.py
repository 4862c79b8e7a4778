"""A rep's predicted retention of some topics at a past moment, from the
answer log and the memory model (docs/kpis.md, "Retention at stage entry").

The latest answer to each question before the moment gives its stability and
the time of that review; FSRS-6's recall after the elapsed days, with the
organization's adopted parameters and the rep's forgetting multiplier
(``rep_memory_models``, as they are now), averaged over the topics' questions the rep
had answered, is the retention: the same figure as predicted retention on the
dashboard, as it was then.
"""

import datetime as dt
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

from reinforcement.memory.scheduling import elapsed_days_between
from reinforcement.models import Answer
from reinforcement.selectors.memory_models import rep_memory_models


@dataclass(frozen=True)
class RetentionAsk:
    key: Hashable
    rep_id: int
    topic_ids: frozenset[int]
    at: dt.datetime


def retention_at_entries(
    *, organization_id: int, asks: Sequence[RetentionAsk]
) -> dict[Hashable, tuple[float | None, int]]:
    """key -> (mean predicted recall, questions behind it); (None, 0) when the
    rep had answered none of the topics' questions before the moment."""
    by_rep: dict[int, list[RetentionAsk]] = {}
    for ask in asks:
        by_rep.setdefault(ask.rep_id, []).append(ask)
    models = rep_memory_models(rep_organizations=dict.fromkeys(by_rep, organization_id))
    found = {}
    for rep_id, rep_asks in by_rep.items():
        found.update(_rep_retention(models[rep_id], rep_id, rep_asks))
    return found


def _rep_retention(model, rep_id: int, asks: list[RetentionAsk]) -> dict:
    topics = frozenset().union(*(a.topic_ids for a in asks))
    answers = list(
        Answer.objects.filter(
            rep_id=rep_id,
            question__topic_id__in=topics,
            answered_at__lt=max(a.at for a in asks),
        )
        .order_by("answered_at")
        .values_list(
            "question_id", "question__topic_id", "answered_at", "stability_after"
        )
    )
    # Sweep the answers in time order, keeping each question's latest review.
    latest: dict[int, tuple[int, dt.datetime, float]] = {}
    found, i = {}, 0
    for ask in sorted(asks, key=lambda a: a.at):
        while i < len(answers) and answers[i][2] < ask.at:
            question_id, topic_id, answered_at, stability = answers[i]
            latest[question_id] = (topic_id, answered_at, stability)
            i += 1
        recalls = [
            model.recall(stability, elapsed_days_between(answered_at, ask.at))
            for topic_id, answered_at, stability in latest.values()
            if topic_id in ask.topic_ids and stability
        ]
        found[ask.key] = (
            (sum(recalls) / len(recalls), len(recalls)) if recalls else (None, 0)
        )
    return found
