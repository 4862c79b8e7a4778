"""Retention against outcomes (docs/kpis.md, "Retention against outcomes"):
for each mapped stage, conversion out of it by the owner's predicted retention
of its topics at entry, from the StageRetentionCell rollup."""

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from django.db.models import Sum
from django.utils import timezone

from reinforcement.selectors.scoping import KpiScope
from revenue.models import SalesStage, StageRetentionCell
from revenue.outcome_stats import (
    Band,
    Cell,
    LogisticFit,
    TargetComparison,
    conversion_bands,
    logistic_clustered,
    target_comparison,
)
from revenue.selectors.outcomes import DEFAULT_MONTHS, window_months


@dataclass
class StageRetentionReport:
    stage_id: int
    stage: str
    topics: list[str]
    target: float
    comparison: TargetComparison
    logistic: LogisticFit
    bands: list[Band]


def kpi_retention_outcomes(
    *, scope: KpiScope, now: dt.datetime | None = None, months: int = DEFAULT_MONTHS
) -> list[StageRetentionReport]:
    """One report per stage with topics (open stages, in stage order)."""
    window = window_months(now=now or timezone.now(), months=months)
    target = scope.organization.target_retention
    stages = (
        SalesStage.objects.filter(
            organization=scope.organization,
            kind=SalesStage.Kind.OPEN,
            topics__isnull=False,
        )
        .distinct()
        .prefetch_related("topics")
        .order_by("order", "name")
    )
    cells: dict[int, Counter] = {}
    rows = (
        StageRetentionCell.objects.filter(
            organization=scope.organization,
            month__gte=window[0],
            rep_id__in=scope.rep_ids(),
        )
        .values_list("stage_id", "rep_id", "retention_pct")
        .annotate(n=Sum("resolved"), k=Sum("converted"))
    )
    for stage_id, rep_id, pct, n, k in rows:
        counter = cells.setdefault(stage_id, Counter())
        counter[(rep_id, pct, "n")] += n
        counter[(rep_id, pct, "k")] += k
    reports = []
    for stage in stages:
        counter = cells.get(stage.pk, Counter())
        stage_cells = [
            Cell(rep_id, pct / 100, n, counter[(rep_id, pct, "k")])
            for (rep_id, pct, kind), n in sorted(counter.items())
            if kind == "n"
        ]
        reports.append(
            StageRetentionReport(
                stage_id=stage.pk,
                stage=stage.name,
                topics=sorted(t.name for t in stage.topics.all()),
                target=target,
                comparison=target_comparison(stage_cells, target=target),
                logistic=logistic_clustered(stage_cells),
                bands=conversion_bands(stage_cells),
            )
        )
    return reports
