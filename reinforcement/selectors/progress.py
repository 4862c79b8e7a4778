"""A rep's own progress: retention and mastery per topic, trend, streak, activity."""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from enablement.models import Question
from reinforcement.memory.scheduling import SECONDS_PER_DAY
from reinforcement.models import Answer, MemoryState
from reinforcement.selectors.memory_models import organization_memory_model
from reinforcement.selectors.reps import RepSituation

# A memory that lasts three weeks at 90% recall counts as mastered (DESIGN.md).
MASTERY_STABILITY_DAYS = 21.0
TREND_WEEKS = 8


@dataclass(frozen=True)
class TopicProgress:
    topic_id: int
    key: str
    name: str
    enrolled: int
    introduced: int
    mastered: int
    retention: float | None  # mean predicted recall now over introduced questions

    @property
    def mastery(self) -> float:
        return self.mastered / self.enrolled if self.enrolled else 0.0


@dataclass(frozen=True)
class TrendPoint:
    on: dt.date
    retention: float | None


@dataclass(frozen=True)
class RepProgress:
    retention: float | None
    mastery: float
    enrolled: int
    introduced: int
    topics: list[TopicProgress]
    trend: list[TrendPoint]
    streak_days: int
    answers_this_week: int
    answers_total: int
    mastery_stability_days: float = MASTERY_STABILITY_DAYS


def rep_progress_get(*, situation: RepSituation, now: dt.datetime) -> RepProgress:
    """Compute the rep's progress now, in the rep's own time zone.

    Retention is the mean predicted recall now over the questions the rep has
    answered at least once (FSRS, the organization's parameters); mastery is the
    share of enrolled questions whose stability exceeds three weeks. The trend
    replays the answer log: at each weekly point, each question's last answer
    before it gives its stability and age.
    """
    model = organization_memory_model(organization_id=situation.organization_id)
    enrolled = situation.enrolled_question_ids
    questions = Question.objects.filter(id__in=enrolled).values_list(
        "id", "topic_id", "topic__key", "topic__name"
    )
    topic_of: dict[int, int] = {}
    topic_meta: dict[int, tuple[str, str]] = {}
    for qid, tid, tkey, tname in questions:
        topic_of[qid] = tid
        topic_meta[tid] = (tkey, tname)
    states = MemoryState.objects.filter(
        rep_id=situation.rep_id, question_id__in=enrolled, stability__isnull=False
    ).values_list("question_id", "stability", "last_review")
    qids, stability, elapsed = [], [], []
    for qid, s, last in states:
        qids.append(qid)
        stability.append(s)
        elapsed.append(max((now - last).total_seconds() / SECONDS_PER_DAY, 0.0))
    recall = (
        np.atleast_1d(model.recall(np.array(stability), np.array(elapsed)))
        if qids
        else np.array([])
    )
    stability_arr = np.array(stability, dtype=float)

    per_topic_recall: dict[int, list[float]] = defaultdict(list)
    per_topic_mastered: dict[int, int] = defaultdict(int)
    for i, qid in enumerate(qids):
        tid = topic_of[qid]
        per_topic_recall[tid].append(float(recall[i]))
        per_topic_mastered[tid] += int(stability_arr[i] > MASTERY_STABILITY_DAYS)
    per_topic_enrolled: dict[int, int] = defaultdict(int)
    for tid in topic_of.values():
        per_topic_enrolled[tid] += 1
    topics = sorted(
        (
            TopicProgress(
                topic_id=tid,
                key=topic_meta[tid][0],
                name=topic_meta[tid][1],
                enrolled=per_topic_enrolled[tid],
                introduced=len(per_topic_recall[tid]),
                mastered=per_topic_mastered[tid],
                retention=(
                    float(np.mean(per_topic_recall[tid]))
                    if per_topic_recall[tid]
                    else None
                ),
            )
            for tid in per_topic_enrolled
        ),
        key=lambda t: t.name,
    )
    mastered = int((stability_arr > MASTERY_STABILITY_DAYS).sum()) if qids else 0

    answers = list(
        Answer.objects.filter(rep_id=situation.rep_id)
        .order_by("answered_at")
        .values_list("question_id", "answered_at", "stability_after")
    )
    local_now = situation.schedule.local_now(now)
    week_start = local_now.replace(hour=0, minute=0, second=0, microsecond=0) - (
        dt.timedelta(days=local_now.weekday())
    )
    return RepProgress(
        retention=float(recall.mean()) if qids else None,
        mastery=mastered / len(enrolled) if enrolled else 0.0,
        enrolled=len(enrolled),
        introduced=len(qids),
        topics=topics,
        trend=_retention_trend(model, answers, enrolled, now),
        streak_days=_streak(situation, [a[1] for a in answers], now),
        answers_this_week=sum(1 for a in answers if a[1] >= week_start),
        answers_total=len(answers),
    )


def _retention_trend(model, answers, enrolled, now) -> list[TrendPoint]:
    points = []
    for weeks_back in range(TREND_WEEKS - 1, -1, -1):
        at = now - dt.timedelta(weeks=weeks_back)
        last: dict[int, tuple[dt.datetime, float]] = {}
        for qid, answered_at, stability in answers:
            if answered_at > at:
                break
            if qid in enrolled:
                last[qid] = (answered_at, stability)
        if not last:
            points.append(TrendPoint(at.date(), None))
            continue
        s = np.array([v[1] for v in last.values()])
        t = np.array(
            [(at - v[0]).total_seconds() / SECONDS_PER_DAY for v in last.values()]
        )
        points.append(TrendPoint(at.date(), float(np.mean(model.recall(s, t)))))
    return points


def _streak(situation: RepSituation, answered: list[dt.datetime], now) -> int:
    """Consecutive working days with an answer, back from today.

    Today without an answer yet does not break the streak; days off count
    only when the rep answered on them.
    """
    days = {situation.schedule.local_date(a) for a in answered}
    day = situation.schedule.local_date(now)
    streak = 0
    if day not in days:
        day -= dt.timedelta(days=1)
    for _ in range(3660):
        if day in days:
            streak += 1
        elif situation.schedule.is_working_day(day):
            break
        day -= dt.timedelta(days=1)
    return streak
