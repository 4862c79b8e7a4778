"""Retention KPIs: the heat map, the coaching list, weekly trends, forgetting curve."""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Model, Sum
from django.db.models.functions import TruncWeek

from enablement.models import Topic
from reinforcement.kpi_rules import (
    OBSERVED_WINDOW_DAYS,
    RECALL_BINS,
    has_enough_answers,
    week_start,
)
from reinforcement.models import (
    SNAPSHOT_WINDOW_FIELDS,
    RepAnswerDay,
    RepDay,
    RepQuestionStat,
    RepTopicDay,
    RepTopicRecallBin,
    RepTopicSnapshot,
)
from reinforcement.selectors.kpi_common import (
    RepRow,
    Retention,
    TrendPoint,
    clip_unit,
    kpi_scope_reps,
    ratio,
)
from reinforcement.selectors.scoping import KpiScope

TREND_WEEKS = 26


@dataclass
class HeatMap:
    reps: list[RepRow]
    topics: list[Topic]
    cells: dict[tuple[int, int], Retention]
    by_rep: dict[int, Retention]
    by_topic: dict[int, Retention]
    total: Retention
    as_of: dt.datetime | None


def _snapshot_cells(
    *, scope: KpiScope, now: dt.datetime
) -> tuple[dict, dt.datetime | None]:
    """The latest snapshot of each (rep, topic) cell from this week or the last."""
    this_week = week_start(now.date())
    fields = [
        "enrolled", "introduced", "predicted_sum", "mastered",
        *SNAPSHOT_WINDOW_FIELDS,
    ]  # fmt: skip
    rows = (
        RepTopicSnapshot.objects.filter(
            rep_id__in=scope.current_rep_ids(),
            week__in=[this_week - dt.timedelta(weeks=1), this_week],
        )
        .order_by("week")
        .values_list("rep_id", "topic_id", "computed_at", *fields)
    )
    cells: dict[tuple[int, int], Retention] = {}
    as_of = None
    for rep_id, topic_id, at, *values in rows:
        cells[(rep_id, topic_id)] = Retention(**dict(zip(fields, values, strict=True)))
        as_of = at if as_of is None else max(as_of, at)
    return cells, as_of


def _answer_counts(*, scope: KpiScope) -> dict[tuple[int, int], int]:
    """(rep, topic) -> answers of all time, from the per-question totals."""
    rows = (
        RepQuestionStat.objects.filter(rep_id__in=scope.rep_ids())
        .values_list("rep_id", "topic_id")
        .annotate(n=Sum("answers"))
        .order_by()
    )
    return {(rep_id, topic_id): n for rep_id, topic_id, n in rows}


def _observed_cells(
    *, scope: KpiScope, now: dt.datetime, window_days: int
) -> dict[tuple[int, int], dict]:
    since = now.date() - dt.timedelta(days=window_days)
    rows = (
        RepTopicDay.objects.filter(rep_id__in=scope.current_rep_ids(), day__gt=since)
        .values("rep_id", "topic_id")
        .annotate(
            reviews=Sum("reviews"),
            reviews_correct=Sum("reviews_correct"),
            reviews_corrected=Sum("reviews_corrected"),
            reviews_predicted=Sum("reviews_predicted"),
            certain_wrong=Sum("certain_wrong"),
        )
        .order_by()
    )
    return {(r.pop("rep_id"), r.pop("topic_id")): r for r in rows}


def _replace_window(
    cells: dict[tuple[int, int], Retention],
    *,
    scope: KpiScope,
    now: dt.datetime,
    window_days: int,
) -> None:
    """Swap the snapshot's review sums for those of another window."""
    for cell in cells.values():
        for name in SNAPSHOT_WINDOW_FIELDS:
            setattr(cell, name, 0)
    observed = _observed_cells(scope=scope, now=now, window_days=window_days)
    for key, values in observed.items():
        cell = cells.setdefault(key, Retention())
        for name, value in values.items():
            setattr(cell, name, value or 0)


def kpi_retention_heatmap(
    *, scope: KpiScope, now: dt.datetime, window_days: int = OBSERVED_WINDOW_DAYS
) -> HeatMap:
    """Retention of every rep x topic cell in scope, with rep, topic and total rows.

    Four queries: reps, the snapshots (predicted retention, mastery and the
    default window's reviews), the answer counts, topics; a fifth for another
    window.
    """
    reps = kpi_scope_reps(scope=scope)
    cells, as_of = _snapshot_cells(scope=scope, now=now)
    for key, answers in _answer_counts(scope=scope).items():
        if key in cells:
            cells[key].answers = answers or 0
    if window_days != OBSERVED_WINDOW_DAYS:
        # Another window than the snapshot's: sum the daily rollups instead.
        _replace_window(cells, scope=scope, now=now, window_days=window_days)
    topic_ids = {topic_id for _, topic_id in cells}
    topics = list(
        Topic.objects.filter(
            pk__in=topic_ids, organization=scope.organization
        ).order_by("name")
    )
    by_rep: dict[int, Retention] = defaultdict(Retention)
    by_topic: dict[int, Retention] = defaultdict(Retention)
    total = Retention()
    for (rep_id, topic_id), cell in cells.items():
        by_rep[rep_id].add(cell)
        by_topic[topic_id].add(cell)
        total.add(cell)
    return HeatMap(reps, topics, cells, dict(by_rep), dict(by_topic), total, as_of)


def kpi_weakest_topic(*, heatmap: HeatMap) -> Topic | None:
    """The heat map's topic of lowest predicted retention (then by name).

    Reads nothing; None when the heat map has no topic. A topic nobody has
    started counts as fully retained.
    """
    if not heatmap.topics:
        return None
    return min(
        heatmap.topics,
        key=lambda t: (heatmap.by_topic[t.pk].predicted or 1.0, t.name),
    )


@dataclass
class CoachingItem:
    rep: RepRow
    topic: Topic | None  # None: the rep as a whole
    retention: Retention
    gap: float  # target minus predicted retention


def kpi_coaching_list(
    *, heatmap: HeatMap, target: float, limit: int | None = 25
) -> list[CoachingItem]:
    """Reps and rep x topic cells under the target, ranked by how far under.

    Reads nothing: it ranks a heat map already read. A rep's own row comes
    first when the rep as a whole is under target. Cells with too few
    answers for a predicted retention are not ranked. ``limit=None``: all.
    """
    reps = {r.rep_id: r for r in heatmap.reps}
    topics = {t.pk: t for t in heatmap.topics}
    candidates = [
        *((rep_id, None, retention) for rep_id, retention in heatmap.by_rep.items()),
        *(
            (rep_id, topics[topic_id], cell)
            for (rep_id, topic_id), cell in heatmap.cells.items()
            if topic_id in topics
        ),
    ]
    items = [
        CoachingItem(reps[rep_id], topic, retention, target - retention.predicted)
        for rep_id, topic, retention in candidates
        if rep_id in reps
        and retention.predicted is not None
        and retention.predicted < target
    ]
    items.sort(key=lambda i: (-i.gap, i.rep.username, i.topic is not None))
    return items if limit is None else items[:limit]


def kpi_unranked_reps(*, heatmap: HeatMap) -> list[RepRow]:
    """Reps in the heat map without enough answers for a predicted retention."""
    return [
        rep
        for rep in heatmap.reps
        if (row := heatmap.by_rep.get(rep.rep_id)) is None or row.predicted is None
    ]


def _weekly_sums(
    model: type[Model], *, rep_ids, first: dt.date, **sums: Sum
) -> dict[dt.date, dict]:
    """Monday -> sums of each week of a daily rollup table from ``first`` on."""
    rows = (
        model.objects.filter(rep_id__in=rep_ids, day__gte=first)
        .annotate(week=TruncWeek("day"))
        .values("week")
        .annotate(**sums)
        .order_by()
    )
    sums_of: dict[dt.date, dict] = {}
    for r in rows:
        week = r.pop("week")
        # TruncWeek of a date gives a datetime on some backends.
        sums_of[week.date() if isinstance(week, dt.datetime) else week] = r
    return sums_of


def kpi_trend_list(
    *, scope: KpiScope, now: dt.datetime, weeks: int = TREND_WEEKS
) -> list[TrendPoint]:
    """Weekly predicted and observed retention, participation and mastery.

    Four grouped queries, one per rollup table and the answers before the
    first week; weeks start on Monday. A week's predicted retention needs
    MIN_ANSWERS answers up to its end, its observed MIN_ANSWERS spaced
    reviews in it (kpi_rules.has_enough_answers).
    """
    first = week_start(now.date()) - dt.timedelta(weeks=weeks - 1)
    reps = scope.rep_ids()
    snapshots = {
        r.pop("week"): r
        for r in RepTopicSnapshot.objects.filter(rep_id__in=reps, week__gte=first)
        .values("week")
        .annotate(
            e=Sum("enrolled"), i=Sum("introduced"), p=Sum("predicted_sum"),
            m=Sum("mastered"),
        )
        .order_by()
    }  # fmt: skip
    reviews = _weekly_sums(
        RepAnswerDay, rep_ids=reps, first=first,
        n=Sum("reviews"), c=Sum("reviews_corrected"), a=Sum("answers"),
    )  # fmt: skip
    answers = (
        RepAnswerDay.objects.filter(rep_id__in=reps, day__lt=first).aggregate(
            a=Sum("answers")
        )["a"]
        or 0
    )
    plans = _weekly_sums(
        RepDay, rep_ids=reps, first=first,
        d=Sum("delivered"), a=Sum("answered_on_time"),
    )  # fmt: skip
    points = []
    for week in (first + dt.timedelta(weeks=i) for i in range(weeks)):
        answers += (reviews.get(week) or {}).get("a") or 0
        point = TrendPoint(week, answers=answers)
        if (r := snapshots.get(week)) is not None:
            if has_enough_answers(answers):
                point.predicted = ratio(r["p"], r["i"])
            point.mastery = ratio(r["m"], r["e"])
        if (r := reviews.get(week)) is not None:
            point.reviews = r["n"]
            if has_enough_answers(r["n"]):
                point.observed = clip_unit(ratio(r["c"], r["n"]))
        if (r := plans.get(week)) is not None:
            point.delivered, point.participation = r["d"], ratio(r["a"], r["d"])
        points.append(point)
    return points


@dataclass
class CurvePoint:
    bin_start: int
    bin_end: int | None
    reviews: int
    observed: float | None
    predicted: float | None


def kpi_forgetting_curve(*, scope: KpiScope, topic_id: int) -> list[CurvePoint]:
    """Observed recall of a topic by days since the last review, beside the model.

    ``observed`` is the guessing-corrected share right; ``predicted`` is the
    model's mean predicted recall for the same reviews; both None in a bin of
    fewer than MIN_ANSWERS reviews. One query.
    """
    rows = {
        r["bin_start"]: r
        for r in RepTopicRecallBin.objects.filter(
            rep_id__in=scope.rep_ids(),
            topic_id=topic_id,
            topic__organization=scope.organization,
        )
        .values("bin_start")
        .annotate(n=Sum("reviews"), c=Sum("corrected"), p=Sum("predicted"))
        .order_by()
    }
    points = []
    for i, start in enumerate(RECALL_BINS):
        r = rows.get(start, {"n": 0, "c": 0.0, "p": 0.0})
        enough = has_enough_answers(r["n"])
        points.append(
            CurvePoint(
                bin_start=start,
                bin_end=RECALL_BINS[i + 1] if i + 1 < len(RECALL_BINS) else None,
                reviews=r["n"] or 0,
                observed=clip_unit(ratio(r["c"], r["n"])) if enough else None,
                predicted=ratio(r["p"], r["n"]) if enough else None,
            )
        )
    return points
