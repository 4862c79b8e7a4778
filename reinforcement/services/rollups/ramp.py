"""Ramp milestones: when a rep's mastery of a module first reaches the ramp share."""

import datetime as dt
from collections.abc import Iterable

from django.db.models import Count, Q

from enablement.models import Module, Question
from reinforcement.kpi_rules import MASTERY_STABILITY_DAYS, is_ramped
from reinforcement.models import MemoryState, ModuleMastery


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
    totals = dict(
        Module.objects.filter(pk__in=pending)
        .annotate(
            n=Count("questions", filter=Q(questions__status=Question.Status.PUBLISHED))
        )
        .values_list("pk", "n")
    )
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
