"""Ramp milestones: when a rep's mastery of a module first reaches the ramp share."""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Count, Q

from enablement.models import Module, Question
from reinforcement.kpi_rules import MASTERY_STABILITY_DAYS, is_mastered, is_ramped
from reinforcement.models import Answer, MemoryState, ModuleMastery
from reinforcement.services.rollups import BATCH_SIZE


def ramp_milestones_check(
    *, rep_id: int, module_ids: Iterable[int], now: dt.datetime
) -> list[int]:
    """Record modules whose mastery by the rep first reaches the ramp share now.

    Returns the modules newly recorded. Mastery may fall again later; the
    milestone keeps the first time it was reached.
    """
    pending = set(module_ids) - set(
        ModuleMastery.objects.filter(
            rep_id=rep_id, module_id__in=module_ids
        ).values_list("module_id", flat=True)
    )
    if not pending:
        return []
    totals = _published_question_counts(module_ids=pending)
    mastered = dict(
        MemoryState.objects.filter(
            rep_id=rep_id,
            question__module_id__in=pending,
            question__status=Question.Status.PUBLISHED,
            stability__gte=MASTERY_STABILITY_DAYS,
        )
        .values("question__module_id")
        .annotate(n=Count("pk"))
        .values_list("question__module_id", "n")
        .order_by()
    )
    reached = [
        module_id
        for module_id in sorted(pending)
        if is_ramped(
            mastered=mastered.get(module_id, 0), total=totals.get(module_id, 0)
        )
    ]
    ModuleMastery.objects.bulk_create(
        [ModuleMastery(rep_id=rep_id, module_id=m, reached_at=now) for m in reached],
        ignore_conflicts=True,
    )
    return reached


def ramp_milestones_replay(*, rep_ids: list[int]) -> int:
    """Rewrite these reps' ramp milestones by replaying their answers in order.

    A module's milestone is the first answer after which the rep's latest
    stabilities of its published questions make it ramped. Returns the
    milestones written.
    """
    answers = list(
        Answer.objects.filter(rep_id__in=rep_ids)
        .order_by("rep_id", "answered_at")
        .values_list(
            "rep_id", "question__module_id", "question_id", "stability_after",
            "answered_at",
        )
    )  # fmt: skip
    totals = _published_question_counts(module_ids={a[1] for a in answers})
    published = set(
        Question.objects.filter(
            pk__in={a[2] for a in answers}, status=Question.Status.PUBLISHED
        ).values_list("pk", flat=True)
    )
    # Per (rep, module): question -> latest stability.
    stability: dict[tuple[int, int], dict[int, float]] = defaultdict(dict)
    milestones: dict[tuple[int, int], dt.datetime] = {}
    for rep_id, module_id, question_id, stability_after, answered_at in answers:
        if question_id not in published or (rep_id, module_id) in milestones:
            continue
        latest = stability[(rep_id, module_id)]
        latest[question_id] = stability_after
        mastered = sum(is_mastered(s) for s in latest.values())
        if is_ramped(mastered=mastered, total=totals.get(module_id, 0)):
            milestones[(rep_id, module_id)] = answered_at
    ModuleMastery.objects.filter(rep_id__in=rep_ids).delete()
    ModuleMastery.objects.bulk_create(
        [
            ModuleMastery(rep_id=rep_id, module_id=module_id, reached_at=at)
            for (rep_id, module_id), at in milestones.items()
        ],
        batch_size=BATCH_SIZE,
    )
    return len(milestones)


def _published_question_counts(*, module_ids: Iterable[int]) -> dict[int, int]:
    """Module id -> number of its published questions: the ramp share's base."""
    return dict(
        Module.objects.filter(pk__in=list(module_ids))
        .annotate(
            n=Count("questions", filter=Q(questions__status=Question.Status.PUBLISHED))
        )
        .values_list("pk", "n")
    )
