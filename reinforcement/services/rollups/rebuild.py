"""Recompute the answer rollups, peer counts and ramp milestones of some reps
from the Answer log.

The rows come from the same per-answer deltas the answer's own write applies
(``kpi_rules.answer_rollup_deltas``), folded as the upserts would fold them,
so the incremental and the rebuilt rollups cannot drift apart.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator

from django.db import transaction
from django.db.models import QuerySet

from enablement.models import Choice
from reinforcement.kpi_rules import (
    PEER_TABLES,
    AnswerFacts,
    RollupDelta,
    answer_rollup_deltas,
    rollup_deltas_fold,
)
from reinforcement.models import Answer
from reinforcement.services.rollups import BATCH_SIZE
from reinforcement.services.rollups.counters import ROLLUP_MODELS
from reinforcement.services.rollups.participation import participation_refresh
from reinforcement.services.rollups.ramp import ramp_milestones_replay

# Answers read per round trip when streaming the log.
ANSWER_CHUNK_SIZE = 5000
# The Answer columns of AnswerFacts' fields (correct_choice_ids is read apart).
_FACT_COLUMNS = {
    "rep_id": "rep_id",
    "question_id": "question_id",
    "topic_id": "question__topic_id",
    "kind": "question__kind",
    "choice_count": "choice_count",
    "correct": "correct",
    "confidence": "confidence",
    "chosen_choice_ids": "chosen_choice_ids",
    "on_time": "on_time",
    "answered_at": "answered_at",
    "elapsed_days": "elapsed_days",
    "stability_before": "stability_before",
    "predicted_recall": "predicted_recall",
}


@transaction.atomic
def rollups_rebuild(*, rep_ids: list[int]) -> int:
    """Recompute the answer rollups and ramp milestones of these reps from the log.

    Deletes and rewrites the reps' rows in one transaction, and the peer
    counts of every question they answered (``peer_counts_rebuild``).
    Snapshots are left alone (they record memory states as they were, which
    the log cannot give back without replaying FSRS). Returns the number of
    answers read.
    """
    answers = Answer.objects.filter(rep_id__in=rep_ids)
    question_ids = set(
        answers.values_list("question_id", flat=True).order_by().distinct()
    )
    for table, model in ROLLUP_MODELS.items():
        if table not in PEER_TABLES:
            model.objects.filter(rep_id__in=rep_ids).delete()
    facts = _answer_facts(
        answers.order_by("rep_id", "answered_at"), question_ids=question_ids
    )
    _rollup_rows_create(_deltas(facts, peer=False))
    peer_counts_rebuild(question_ids=question_ids)
    ramp_milestones_replay(rep_ids=rep_ids)
    plan_days: dict[int, set[dt.date]] = defaultdict(set)
    for rep_id, local_date in (
        answers.values_list("rep_id", "prompt__local_date").order_by().distinct()
    ):
        plan_days[rep_id].add(local_date)
    for rep_id, days in plan_days.items():
        participation_refresh(rep_ids=[rep_id], days=days)
    return answers.count()


@transaction.atomic
def peer_counts_rebuild(*, question_ids: Iterable[int]) -> int:
    """Recompute the peer counts of these questions from all their answers.

    A question belongs to one organization, so its counts are over every rep
    who answered it. Returns the rows written.
    """
    question_ids = set(question_ids)
    for table in PEER_TABLES:
        ROLLUP_MODELS[table].objects.filter(question_id__in=question_ids).delete()
    # The peer sums do not depend on the order of the answers.
    answers = Answer.objects.filter(question_id__in=question_ids).order_by()
    return _rollup_rows_create(
        _deltas(_answer_facts(answers, question_ids=question_ids), peer=True)
    )


def _answer_facts(
    answers: QuerySet, *, question_ids: set[int]
) -> Iterator[AnswerFacts]:
    """What the rollups need of each answer, in the queryset's order.

    The correct choices of all the answers' questions (``question_ids``) are
    read in one query; the answers are streamed.
    """
    correct: dict[int, set[int]] = defaultdict(set)
    for question_id, choice_id in Choice.objects.filter(
        question_id__in=question_ids, is_correct=True
    ).values_list("question_id", "pk"):
        correct[question_id].add(choice_id)
    rows = answers.values_list(*_FACT_COLUMNS.values())
    for row in rows.iterator(chunk_size=ANSWER_CHUNK_SIZE):
        values = dict(zip(_FACT_COLUMNS, row, strict=True))
        values["chosen_choice_ids"] = tuple(values["chosen_choice_ids"])
        yield AnswerFacts(
            **values, correct_choice_ids=frozenset(correct[values["question_id"]])
        )


def _deltas(facts: Iterable[AnswerFacts], *, peer: bool) -> Iterator[RollupDelta]:
    """The answers' deltas of the peer tables (``peer``) or of the rep tables."""
    for f in facts:
        for delta in answer_rollup_deltas(f):
            if (delta.table in PEER_TABLES) == peer:
                yield delta


def _rollup_rows_create(deltas: Iterable[RollupDelta]) -> int:
    """Insert the rows the deltas fold into; returns the rows written."""
    written = 0
    for table, rows in rollup_deltas_fold(deltas).items():
        model = ROLLUP_MODELS[table]
        model.objects.bulk_create(
            [model(**row) for row in rows.values()], batch_size=BATCH_SIZE
        )
        written += len(rows)
    return written
