"""Enablement KPIs for a scope (a manager's teams or an admin's organization).

Every function reads the rollup tables kept by reinforcement.services.rollups,
never the Answer log, and a fixed handful of queries whatever the team size.
The exact definitions are in docs/kpis.md.
"""

import datetime as dt
import statistics
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from django.db.models import Count, Max, Q, Sum
from django.db.models.functions import TruncWeek

from enablement.models import Enrollment, Question, Topic
from reinforcement.kpi_rules import OBSERVED_WINDOW_DAYS, RECALL_BINS, week_start
from reinforcement.models import (
    SNAPSHOT_WINDOW_FIELDS,
    ModuleMastery,
    RepAnswerDay,
    RepChoiceStat,
    RepDay,
    RepQuestionStat,
    RepTopicDay,
    RepTopicRecallBin,
    RepTopicSnapshot,
)
from reinforcement.selectors.scoping import KpiScope

PARTICIPATION_WINDOW_DAYS = 30
TREND_WEEKS = 26
# A rep hired this recently is a new hire in the ramp comparison.
NEW_HIRE_DAYS = 120
# Content flags need this many answers (and reps, for discrimination).
FLAG_MIN_ANSWERS = 10
FLAG_MIN_REPS = 8
FLAG_TOO_HARD = 0.35
FLAG_TOO_EASY = 0.95
# With 8 to 15 reps a correlation of -0.3 is rarely chance alone.
FLAG_NEGATIVE_DISCRIMINATION = -0.3


def _ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator else None


def _clip(value: float | None) -> float | None:
    return None if value is None else min(max(value, 0.0), 1.0)


@dataclass
class Retention:
    """Predicted and observed retention, and mastery, of one cell or group."""

    enrolled: int = 0
    introduced: int = 0
    predicted_sum: float = 0.0
    mastered: int = 0
    reviews: int = 0
    reviews_correct: int = 0
    reviews_corrected: float = 0.0
    reviews_predicted: float = 0.0
    certain_wrong: int = 0

    def add(self, other: "Retention") -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def predicted(self) -> float | None:
        """Mean predicted recall now over introduced questions."""
        return _ratio(self.predicted_sum, self.introduced)

    @property
    def observed(self) -> float | None:
        """Guessing-corrected first-try accuracy on spaced reviews, in [0, 1]."""
        return _clip(_ratio(self.reviews_corrected, self.reviews))

    @property
    def raw_accuracy(self) -> float | None:
        return _ratio(self.reviews_correct, self.reviews)

    @property
    def predicted_at_review(self) -> float | None:
        """What the model predicted for the same reviews, for calibration."""
        return _ratio(self.reviews_predicted, self.reviews)

    @property
    def mastery(self) -> float | None:
        return _ratio(self.mastered, self.enrolled)


@dataclass
class RepRow:
    rep_id: int
    username: str
    name: str
    team: str
    hired_on: dt.date | None


@dataclass
class HeatMap:
    reps: list[RepRow]
    topics: list[Topic]
    cells: dict[tuple[int, int], Retention]
    by_rep: dict[int, Retention]
    by_topic: dict[int, Retention]
    total: Retention
    as_of: dt.datetime | None


def scope_reps(*, scope: KpiScope) -> list[RepRow]:
    rows = (
        scope.reps()
        .select_related("user", "team")
        .order_by("team__name", "user__username")
    )
    return [
        RepRow(
            rep_id=p.user_id,
            username=p.user.username,
            name=p.user.get_full_name() or p.user.username,
            team=p.team.name,
            hired_on=p.hired_on,
        )
        for p in rows
    ]


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
            rep_id__in=scope.rep_ids(),
            week__in=[this_week - dt.timedelta(days=7), this_week],
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


def _observed_cells(
    *, scope: KpiScope, now: dt.datetime, window_days: int
) -> dict[tuple[int, int], dict]:
    since = now.date() - dt.timedelta(days=window_days)
    rows = (
        RepTopicDay.objects.filter(rep_id__in=scope.rep_ids(), day__gt=since)
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


def retention_heatmap(
    *, scope: KpiScope, now: dt.datetime, window_days: int = OBSERVED_WINDOW_DAYS
) -> HeatMap:
    """Retention of every rep x topic cell in scope, with rep, topic and total rows.

    Three queries: reps, the snapshots (predicted retention, mastery and the
    default window's reviews), topics; a fourth for another window.
    """
    reps = scope_reps(scope=scope)
    cells, as_of = _snapshot_cells(scope=scope, now=now)
    if window_days != OBSERVED_WINDOW_DAYS:
        # Another window than the snapshot's: sum the daily rollups instead.
        for cell in cells.values():
            for name in SNAPSHOT_WINDOW_FIELDS:
                setattr(cell, name, 0)
        for key, values in _observed_cells(
            scope=scope, now=now, window_days=window_days
        ).items():
            cell = cells.setdefault(key, Retention())
            for name, value in values.items():
                setattr(cell, name, value or 0)
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


@dataclass
class CoachingItem:
    rep: RepRow
    topic: Topic | None  # None: the rep as a whole
    retention: Retention
    gap: float  # target minus predicted retention


def coaching_list(
    *, heatmap: HeatMap, target: float, limit: int = 25
) -> list[CoachingItem]:
    """Reps and rep x topic cells under the target, ranked by how far under.

    Reads nothing: it ranks a heat map already read. A rep's own row comes
    first when the rep as a whole is under target.
    """
    reps = {r.rep_id: r for r in heatmap.reps}
    topics = {t.pk: t for t in heatmap.topics}
    items: list[CoachingItem] = []
    for rep_id, retention in heatmap.by_rep.items():
        predicted = retention.predicted
        if rep_id in reps and predicted is not None and predicted < target:
            items.append(
                CoachingItem(reps[rep_id], None, retention, target - predicted)
            )
    for (rep_id, topic_id), cell in heatmap.cells.items():
        predicted = cell.predicted
        if (
            rep_id in reps
            and topic_id in topics
            and predicted is not None
            and predicted < target
        ):
            items.append(
                CoachingItem(reps[rep_id], topics[topic_id], cell, target - predicted)
            )
    items.sort(key=lambda i: (-i.gap, i.rep.username, i.topic is not None))
    return items[:limit]


@dataclass
class ParticipationRow:
    rep: RepRow
    delivered: int
    answered_on_time: int
    active_7: bool
    active_30: bool
    current_streak: int
    longest_streak: int

    @property
    def rate(self) -> float | None:
        return _ratio(self.answered_on_time, self.delivered)


@dataclass
class Participation:
    rows: list[ParticipationRow]
    delivered: int = 0
    answered_on_time: int = 0
    active_7: int = 0
    active_30: int = 0

    @property
    def rate(self) -> float | None:
        return _ratio(self.answered_on_time, self.delivered)


def _streaks(days: list[tuple[dt.date, int, int, int, int]]) -> tuple[int, int]:
    """Current and longest run of plan days with an answer on time.

    Days with nothing delivered do not break a run; a day whose prompts are
    still open neither breaks nor extends it.
    """
    current = longest = run = 0
    for _day, delivered, answered, on_time, expired in days:
        if not delivered:
            continue
        if on_time:
            run += 1
        elif answered + expired >= delivered:
            run = 0
        longest = max(longest, run)
    current = run
    return current, longest


def participation_summary(
    *,
    scope: KpiScope,
    now: dt.datetime,
    window_days: int = PARTICIPATION_WINDOW_DAYS,
    reps: list[RepRow] | None = None,
) -> Participation:
    """Delivered prompts answered on time, active reps and streaks, per rep.

    Two queries (reps, unless given, and a year of participation rows).
    """
    reps = reps if reps is not None else scope_reps(scope=scope)
    today = now.date()
    rows = (
        RepDay.objects.filter(
            rep_id__in=scope.rep_ids(), day__gt=today - dt.timedelta(days=365)
        )
        .order_by("rep_id", "day")
        .values_list(
            "rep_id", "day", "delivered", "answered", "answered_on_time", "expired"
        )
    )
    by_rep: dict[int, list] = defaultdict(list)
    for rep_id, *rest in rows:
        by_rep[rep_id].append(tuple(rest))
    result = Participation(rows=[])
    since = today - dt.timedelta(days=window_days)
    for rep in reps:
        days = by_rep.get(rep.rep_id, [])
        window = [d for d in days if d[0] > since]
        current, longest = _streaks(days)
        row = ParticipationRow(
            rep=rep,
            delivered=sum(d[1] for d in window),
            answered_on_time=sum(d[3] for d in window),
            active_7=any(d[2] for d in days if d[0] > today - dt.timedelta(days=7)),
            active_30=any(d[2] for d in days if d[0] > today - dt.timedelta(days=30)),
            current_streak=current,
            longest_streak=longest,
        )
        result.rows.append(row)
        result.delivered += row.delivered
        result.answered_on_time += row.answered_on_time
        result.active_7 += row.active_7
        result.active_30 += row.active_30
    return result


@dataclass
class TrendPoint:
    week: dt.date
    predicted: float | None = None
    observed: float | None = None
    reviews: int = 0
    participation: float | None = None
    delivered: int = 0
    mastery: float | None = None


def trends(
    *, scope: KpiScope, now: dt.datetime, weeks: int = TREND_WEEKS
) -> list[TrendPoint]:
    """Weekly predicted and observed retention, participation and mastery.

    Three grouped queries, one per rollup table; weeks start on Monday.
    """
    first = week_start(now.date()) - dt.timedelta(weeks=weeks - 1)
    points = {
        first + dt.timedelta(weeks=i): TrendPoint(first + dt.timedelta(weeks=i))
        for i in range(weeks)
    }
    reps = scope.rep_ids()
    for r in (
        RepTopicSnapshot.objects.filter(rep_id__in=reps, week__gte=first)
        .values("week")
        .annotate(
            e=Sum("enrolled"), i=Sum("introduced"), p=Sum("predicted_sum"),
            m=Sum("mastered"),
        )
        .order_by()
    ):  # fmt: skip
        if r["week"] in points:
            points[r["week"]].predicted = _ratio(r["p"], r["i"])
            points[r["week"]].mastery = _ratio(r["m"], r["e"])
    for r in (
        RepAnswerDay.objects.filter(rep_id__in=reps, day__gte=first)
        .annotate(week=TruncWeek("day"))
        .values("week")
        .annotate(n=Sum("reviews"), c=Sum("reviews_corrected"))
        .order_by()
    ):
        week = _as_date(r["week"])
        if week in points:
            points[week].reviews = r["n"]
            points[week].observed = _clip(_ratio(r["c"], r["n"]))
    for r in (
        RepDay.objects.filter(rep_id__in=reps, day__gte=first)
        .annotate(week=TruncWeek("day"))
        .values("week")
        .annotate(d=Sum("delivered"), a=Sum("answered_on_time"))
        .order_by()
    ):
        week = _as_date(r["week"])
        if week in points:
            points[week].delivered = r["d"]
            points[week].participation = _ratio(r["a"], r["d"])
    return [points[w] for w in sorted(points)]


def _as_date(value) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


@dataclass
class CurvePoint:
    bin_start: int
    bin_end: int | None
    reviews: int
    observed: float | None
    predicted: float | None


def forgetting_curve(*, scope: KpiScope, topic_id: int) -> list[CurvePoint]:
    """Observed recall of a topic by days since the last review, beside the model.

    ``observed`` is the guessing-corrected share right; ``predicted`` is the
    model's mean predicted recall for the same reviews. One query.
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
        points.append(
            CurvePoint(
                bin_start=start,
                bin_end=RECALL_BINS[i + 1] if i + 1 < len(RECALL_BINS) else None,
                reviews=r["n"] or 0,
                observed=_clip(_ratio(r["c"], r["n"])),
                predicted=_ratio(r["p"], r["n"]),
            )
        )
    return points


@dataclass
class ChoicePicks:
    choice_id: int
    text: str
    picks: int
    certain_picks: int


@dataclass
class QuestionPerformance:
    question_id: int
    key: str
    stem: str
    topic: str
    answers: int = 0
    correct: int = 0
    first_answers: int = 0
    first_correct: int = 0
    reps: int = 0
    certain_wrong: int = 0
    discrimination: float | None = None
    wrong_choices: list[ChoicePicks] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)

    @property
    def accuracy(self) -> float | None:
        return _ratio(self.correct, self.answers)

    @property
    def first_try_accuracy(self) -> float | None:
        """Share of reps whose first answer ever was right."""
        return _ratio(self.first_correct, self.first_answers)


def _pearson(x: np.ndarray, y: np.ndarray) -> float | None:
    if len(x) < 2 or np.std(x) == 0 or np.std(y) == 0:
        return None
    return float(np.corrcoef(x, y)[0, 1])


def content_performance(*, scope: KpiScope) -> list[QuestionPerformance]:
    """Per question: accuracy, discrimination, wrong-choice picks and flags.

    Discrimination is the correlation, across the reps who answered, between
    the rep's share right on this question and their share right on every
    other question (the point-biserial when each rep answered once). Three
    queries: per-rep question totals, wrong-choice picks, question texts.
    """
    stats = list(
        RepQuestionStat.objects.filter(rep_id__in=scope.rep_ids()).values_list(
            "rep_id", "question_id", "answers", "correct", "first_correct",
            "certain_wrong",
        )
    )  # fmt: skip
    if not stats:
        return []
    totals: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for rep_id, _q, answers, correct, _f, _c in stats:
        totals[rep_id][0] += answers
        totals[rep_id][1] += correct
    questions = {
        q.pk: q
        for q in Question.objects.filter(
            pk__in={s[1] for s in stats},
            module__methodology__organization=scope.organization,
        ).select_related("topic")
    }
    perf: dict[int, QuestionPerformance] = {}
    pairs: dict[int, list[tuple[float, float]]] = defaultdict(list)
    for rep_id, question_id, answers, correct, first, certain in stats:
        question = questions.get(question_id)
        if question is None:
            continue
        p = perf.get(question_id)
        if p is None:
            p = perf[question_id] = QuestionPerformance(
                question_id, question.key, question.stem, question.topic.name
            )
        p.answers += answers
        p.correct += correct
        p.reps += 1
        p.certain_wrong += certain
        if first is not None:
            p.first_answers += 1
            p.first_correct += int(first)
        rest_answers = totals[rep_id][0] - answers
        if answers and rest_answers:
            pairs[question_id].append(
                (correct / answers, (totals[rep_id][1] - correct) / rest_answers)
            )
    for row in (
        RepChoiceStat.objects.filter(
            rep_id__in=scope.rep_ids(), question_id__in=list(perf)
        )
        .values("question_id", "choice_id", "choice__text")
        .annotate(n=Sum("picks"), c=Sum("certain_picks"))
        .order_by("question_id", "-n")
    ):
        perf[row["question_id"]].wrong_choices.append(
            ChoicePicks(row["choice_id"], row["choice__text"], row["n"], row["c"])
        )
    for question_id, p in perf.items():
        xy = np.array(pairs[question_id]) if pairs[question_id] else np.empty((0, 2))
        if len(xy) >= FLAG_MIN_REPS:
            p.discrimination = _pearson(xy[:, 0], xy[:, 1])
        if p.answers >= FLAG_MIN_ANSWERS:
            if p.accuracy < FLAG_TOO_HARD:
                p.flags.append("nobody gets it right")
            if p.accuracy > FLAG_TOO_EASY:
                p.flags.append("everybody gets it right")
        if (
            p.discrimination is not None
            and p.discrimination < FLAG_NEGATIVE_DISCRIMINATION
        ):
            p.flags.append("strong reps miss it more")
    return sorted(perf.values(), key=lambda p: (not p.flags, p.accuracy or 0, p.key))


@dataclass
class Misconception:
    question_id: int
    question_key: str
    topic: str
    choice_text: str
    certain_picks: int
    reps: int


def misconception_list(*, scope: KpiScope, limit: int = 25) -> list[Misconception]:
    """Wrong choices picked with certainty, most often first. One query."""
    rows = (
        RepChoiceStat.objects.filter(
            rep_id__in=scope.rep_ids(),
            certain_picks__gt=0,
            question__module__methodology__organization=scope.organization,
        )
        .values("question_id", "question__key", "question__topic__name", "choice__text")
        .annotate(n=Sum("certain_picks"), reps=Count("rep_id"))
        .order_by("-n", "question__key")[:limit]
    )
    return [
        Misconception(
            r["question_id"],
            r["question__key"],
            r["question__topic__name"],
            r["choice__text"],
            r["n"],
            r["reps"],
        )  # fmt: skip
        for r in rows
    ]


def misconceptions_by_topic(*, scope: KpiScope) -> list[tuple[str, int]]:
    """Confidently wrong answers per topic, most first. One query."""
    rows = (
        RepQuestionStat.objects.filter(
            rep_id__in=scope.rep_ids(),
            certain_wrong__gt=0,
            topic__organization=scope.organization,
        )
        .values("topic__name")
        .annotate(n=Sum("certain_wrong"))
        .order_by("-n", "topic__name")
    )
    return [(r["topic__name"], r["n"]) for r in rows]


@dataclass
class RampRow:
    rep: RepRow
    module: str
    module_id: int
    started_on: dt.date
    reached_on: dt.date | None
    days: int | None  # to mastery, or so far when not reached
    new_hire: bool


@dataclass
class Ramp:
    rows: list[RampRow]
    team_median_days: dict[int, float | None]  # per module, all reps who reached
    new_hire_median_days: dict[int, float | None]


def ramp_summary(
    *, scope: KpiScope, now: dt.datetime, reps: list[RepRow] | None = None
) -> Ramp:
    """Days from each enrollment's start to the rep's mastery of the module.

    The start is the later of the enrollment's start and the rep's hire date
    (a rep hired after the team was enrolled starts then). Three queries.
    """
    reps = reps if reps is not None else scope_reps(scope=scope)
    rep_by_id = {r.rep_id: r for r in reps}
    team_of = dict(scope.reps().values_list("user_id", "team_id"))
    enrollments = Enrollment.objects.filter(
        Q(team__in=scope.teams) | Q(rep_id__in=list(rep_by_id)),
        module__methodology__organization=scope.organization,
    ).values_list("module_id", "module__name", "team_id", "rep_id", "starts_on")
    reached = {
        (rep_id, module_id): at
        for rep_id, module_id, at in ModuleMastery.objects.filter(
            rep_id__in=scope.rep_ids()
        ).values_list("rep_id", "module_id", "reached_at")
    }
    today = now.date()
    rows: dict[tuple[int, int], RampRow] = {}
    for module_id, module_name, team_id, rep_id, starts_on in enrollments:
        targets = (
            [rep_id] if rep_id else [r for r, t in team_of.items() if t == team_id]
        )
        for target in targets:
            rep = rep_by_id.get(target)
            if rep is None or starts_on > today:
                continue
            start = max(starts_on, rep.hired_on or starts_on)
            at = reached.get((target, module_id))
            reached_on = at.date() if at else None
            row = RampRow(
                rep=rep,
                module=module_name,
                module_id=module_id,
                started_on=start,
                reached_on=reached_on,
                days=max(((reached_on or today) - start).days, 0),
                new_hire=bool(
                    rep.hired_on and rep.hired_on > today - dt.timedelta(NEW_HIRE_DAYS)
                ),
            )
            key = (target, module_id)
            if key not in rows or row.started_on < rows[key].started_on:
                rows[key] = row
    ordered = sorted(
        rows.values(), key=lambda r: (r.module, not r.new_hire, r.rep.username)
    )
    team_median: dict[int, float | None] = {}
    hire_median: dict[int, float | None] = {}
    for module_id in {r.module_id for r in ordered}:
        done = [r for r in ordered if r.module_id == module_id and r.reached_on]
        team_median[module_id] = (
            statistics.median(r.days for r in done) if done else None
        )
        hires = [r.days for r in done if r.new_hire]
        hire_median[module_id] = statistics.median(hires) if hires else None
    return Ramp(ordered, team_median, hire_median)


@dataclass
class TeamSummary:
    team_id: int
    name: str
    reps: int
    retention: Retention
    delivered: int
    answered_on_time: int
    active_7: int
    active_30: int

    @property
    def participation(self) -> float | None:
        return _ratio(self.answered_on_time, self.delivered)


@dataclass
class ScopeSummary:
    label: str
    target: float
    teams: list[TeamSummary]
    total: TeamSummary


def scope_summary(
    *, scope: KpiScope, now: dt.datetime, window_days: int = OBSERVED_WINDOW_DAYS
) -> ScopeSummary:
    """Retention, mastery and participation per team and for the whole scope.

    Aggregated in the database by team: five queries whatever the size, for
    an organization-wide summary from the rollups.
    """
    teams = list(scope.teams.order_by("name").values_list("pk", "name"))
    team_key = "rep__rep_profile__team_id"
    rep_ids = scope.rep_ids()
    this_week = week_start(now.date())
    latest = RepTopicSnapshot.objects.filter(
        rep_id__in=rep_ids, week__lte=this_week
    ).aggregate(w=Max("week"))["w"]
    summaries = {
        pk: TeamSummary(pk, name, 0, Retention(), 0, 0, 0, 0) for pk, name in teams
    }
    for team_id, n in (
        scope.reps()
        .values("team_id")
        .annotate(n=Count("pk"))
        .values_list("team_id", "n")
    ):
        if team_id in summaries:
            summaries[team_id].reps = n
    for r in (
        RepTopicSnapshot.objects.filter(rep_id__in=rep_ids, week=latest)
        .values(team_key)
        .annotate(
            e=Sum("enrolled"), i=Sum("introduced"), p=Sum("predicted_sum"),
            m=Sum("mastered"),
        )
        .order_by()
    ):  # fmt: skip
        ret = summaries[r[team_key]].retention
        ret.enrolled, ret.introduced = r["e"], r["i"]
        ret.predicted_sum, ret.mastered = r["p"], r["m"]
    since = now.date() - dt.timedelta(days=window_days)
    for r in (
        RepAnswerDay.objects.filter(rep_id__in=rep_ids, day__gt=since)
        .values(team_key)
        .annotate(
            n=Sum("reviews"), c=Sum("reviews_correct"), k=Sum("reviews_corrected"),
            p=Sum("reviews_predicted"), w=Sum("certain_wrong"),
        )
        .order_by()
    ):  # fmt: skip
        ret = summaries[r[team_key]].retention
        ret.reviews, ret.reviews_correct = r["n"], r["c"]
        ret.reviews_corrected, ret.reviews_predicted = r["k"], r["p"]
        ret.certain_wrong = r["w"]
    today = now.date()
    for r in (
        RepDay.objects.filter(
            rep_id__in=rep_ids, day__gt=today - dt.timedelta(days=30)
        )
        .values(team_key)
        .annotate(
            d=Sum("delivered", filter=Q(day__gt=today - dt.timedelta(days=PARTICIPATION_WINDOW_DAYS))),
            a=Sum("answered_on_time", filter=Q(day__gt=today - dt.timedelta(days=PARTICIPATION_WINDOW_DAYS))),
            a7=Count("rep_id", filter=Q(answered__gt=0, day__gt=today - dt.timedelta(days=7)), distinct=True),
            a30=Count("rep_id", filter=Q(answered__gt=0), distinct=True),
        )
        .order_by()
    ):  # fmt: skip
        s = summaries[r[team_key]]
        s.delivered, s.answered_on_time = r["d"] or 0, r["a"] or 0
        s.active_7, s.active_30 = r["a7"], r["a30"]
    total = TeamSummary(0, scope.label, 0, Retention(), 0, 0, 0, 0)
    for s in summaries.values():
        total.reps += s.reps
        total.retention.add(s.retention)
        total.delivered += s.delivered
        total.answered_on_time += s.answered_on_time
        total.active_7 += s.active_7
        total.active_30 += s.active_30
    return ScopeSummary(
        label=scope.label,
        target=scope.organization.target_retention,
        teams=list(summaries.values()),
        total=total,
    )
