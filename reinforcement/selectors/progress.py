"""A rep's own progress: retention and mastery per topic, trend, streak, activity."""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from enablement.models import Question
from reinforcement.kpi_rules import (
    MASTERY_STABILITY_DAYS,
    MIN_ANSWERS,
    answer_day_streak,
    has_enough_answers,
    is_mastered,
    week_start,
)
from reinforcement.memory.scheduling import MemoryModel, elapsed_days_between
from reinforcement.models import Answer, MemoryState
from reinforcement.selectors.kpi_common import TrendPoint
from reinforcement.selectors.memory_models import rep_memory_model
from reinforcement.selectors.reps import RepSituation

TREND_WEEKS = 8


@dataclass(frozen=True)
class TopicProgress:
    topic_id: int
    key: str
    name: str
    enrolled: int
    introduced: int
    mastered: int
    # Mean predicted recall now over introduced questions; None until the rep
    # has answered MIN_ANSWERS questions of the topic.
    retention: float | None
    answers: int = 0

    @property
    def mastery(self) -> float:
        return self.mastered / self.enrolled if self.enrolled else 0.0


@dataclass(frozen=True)
class RepProgress:
    retention: float | None  # None until MIN_ANSWERS answers (kpi_rules)
    mastery: float
    enrolled: int
    introduced: int
    topics: list[TopicProgress]
    trend: list[TrendPoint]
    streak_days: int
    answers_this_week: int
    answers_total: int
    answers_correct: int = 0
    mastery_stability_days: float = MASTERY_STABILITY_DAYS
    min_answers: int = MIN_ANSWERS

    @property
    def enough_answers(self) -> bool:
        return has_enough_answers(self.answers_total)


def rep_progress_get(*, situation: RepSituation, now: dt.datetime) -> RepProgress:
    """Compute the rep's progress now, in the rep's own time zone.

    Retention is the mean predicted recall now over the questions the rep has
    answered at least once (FSRS, the organization's parameters with the rep's forgetting multiplier); mastery is the
    share of enrolled questions mastered (kpi_rules.is_mastered, as the
    manager's KPIs count it). The trend replays the answer log: at each weekly
    point, each question's last answer before it gives its stability and age.
    Retention (overall, per topic, per trend point) needs MIN_ANSWERS answers,
    as on the manager's pages: right after a first answer it is near 100% by
    construction. Six queries at most.
    """
    model = rep_memory_model(
        rep_id=situation.rep_id, organization_id=situation.organization_id
    )
    enrolled = situation.enrolled_question_ids
    memories = _memories_now(
        model=model, rep_id=situation.rep_id, enrolled=enrolled, now=now
    )
    answers = list(
        Answer.objects.filter(rep_id=situation.rep_id)
        .order_by("answered_at")
        .values_list("question_id", "answered_at", "stability_after", "correct")
    )
    answered: dict[int, int] = defaultdict(int)
    for qid, *_rest in answers:
        answered[qid] += 1
    topics = _topic_progress(enrolled=enrolled, memories=memories, answered=answered)
    enough = has_enough_answers(len(answers))
    schedule = situation.schedule
    today = schedule.local_date(now)
    answer_days = [schedule.local_date(a[1]) for a in answers]
    monday = week_start(today)
    return RepProgress(
        retention=float(np.mean([m[2] for m in memories]))
        if memories and enough
        else None,
        mastery=sum(t.mastered for t in topics) / len(enrolled) if enrolled else 0.0,
        enrolled=len(enrolled),
        introduced=len(memories),
        topics=topics,
        trend=_retention_trend(model, answers, enrolled, now),
        streak_days=answer_day_streak(
            answered_days=set(answer_days),
            today=today,
            is_working_day=schedule.is_working_day,
        ),
        answers_this_week=sum(1 for day in answer_days if day >= monday),
        answers_total=len(answers),
        answers_correct=sum(1 for a in answers if a[3]),
    )


def _memories_now(
    *, model: MemoryModel, rep_id: int, enrolled, now: dt.datetime
) -> list[tuple[int, float, float]]:
    """(question, stability, predicted recall now) of each introduced question."""
    states = list(
        MemoryState.objects.filter(
            rep_id=rep_id, question_id__in=enrolled, stability__isnull=False
        ).values_list("question_id", "stability", "last_review")
    )
    if not states:
        return []
    stability = np.array([s for _, s, _ in states], dtype=float)
    elapsed = np.array([elapsed_days_between(last, now) for *_, last in states])
    recall = np.atleast_1d(model.recall(stability, elapsed))
    return [(qid, s, float(r)) for (qid, s, _), r in zip(states, recall, strict=True)]


def _topic_progress(
    *, enrolled, memories: list[tuple[int, float, float]], answered: dict[int, int]
) -> list[TopicProgress]:
    """Per topic of the enrolled questions, from (question, stability, recall now)
    and the rep's answers per question."""
    questions = Question.objects.filter(id__in=enrolled).values_list(
        "id", "topic_id", "topic__key", "topic__name"
    )
    topic_of: dict[int, int] = {}
    topic_meta: dict[int, tuple[str, str]] = {}
    enrolled_in: dict[int, int] = defaultdict(int)
    for qid, tid, tkey, tname in questions:
        topic_of[qid] = tid
        topic_meta[tid] = (tkey, tname)
        enrolled_in[tid] += 1
    recalls: dict[int, list[float]] = defaultdict(list)
    mastered: dict[int, int] = defaultdict(int)
    answers: dict[int, int] = defaultdict(int)
    for qid, n in answered.items():
        if qid in topic_of:
            answers[topic_of[qid]] += n
    for qid, stability, recall in memories:
        recalls[topic_of[qid]].append(recall)
        mastered[topic_of[qid]] += int(is_mastered(stability))
    topics = [
        TopicProgress(
            topic_id=tid,
            key=topic_meta[tid][0],
            name=topic_meta[tid][1],
            enrolled=enrolled_in[tid],
            introduced=len(recalls[tid]),
            mastered=mastered[tid],
            retention=float(np.mean(recalls[tid]))
            if recalls[tid] and has_enough_answers(answers[tid])
            else None,
            answers=answers[tid],
        )
        for tid in enrolled_in
    ]
    return sorted(topics, key=lambda t: t.name)


def _retention_trend(
    model: MemoryModel, answers: list[tuple], enrolled, now: dt.datetime
) -> list[TrendPoint]:
    """Mean predicted recall at today and each week back, from the answer log.

    A point with fewer than MIN_ANSWERS answers up to it has no value.
    """
    points = []
    for weeks_back in range(TREND_WEEKS - 1, -1, -1):
        at = now - dt.timedelta(weeks=weeks_back)
        last: dict[int, tuple[dt.datetime, float]] = {}
        count = 0
        for qid, answered_at, stability, _correct in answers:
            if answered_at > at:
                break
            count += 1
            if qid in enrolled:
                last[qid] = (answered_at, stability)
        if not last or not has_enough_answers(count):
            points.append(TrendPoint(at.date(), answers=count))
            continue
        s = np.array([v[1] for v in last.values()])
        t = np.array([elapsed_days_between(v[0], at) for v in last.values()])
        points.append(
            TrendPoint(
                at.date(), answers=count, predicted=float(np.mean(model.recall(s, t)))
            )
        )
    return points
