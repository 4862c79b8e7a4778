"""Content KPIs: per-question performance and flags, and misconceptions."""

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from django.db.models import Count, QuerySet, Sum

from enablement.models import Question
from reinforcement.kpi_rules import (
    FLAG_MIN_ANSWERS,
    FLAG_MIN_REPS,
    FLAG_NEGATIVE_DISCRIMINATION,
    FLAG_TOO_EASY,
    FLAG_TOO_HARD,
)
from reinforcement.models import Prompt, RepChoiceStat, RepQuestionStat
from reinforcement.selectors.kpi_common import ratio
from reinforcement.selectors.prompts import OPEN_STATUSES
from reinforcement.selectors.scoping import KpiScope


def _choice_stats(scope: KpiScope) -> QuerySet:
    """The choice-level statistics the scope may read.

    A rep who sees their own KPIs never sees them for a question open for them
    right now: which choice they got wrong, on a true/false question, is the
    answer. Managers and admins see every question's.
    """
    stats = RepChoiceStat.objects.filter(rep_id__in=scope.rep_ids())
    if scope.rep_id is None:
        return stats
    open_questions = Prompt.objects.filter(
        rep_id=scope.rep_id, status__in=OPEN_STATUSES
    ).values("question_id")
    return stats.exclude(question_id__in=open_questions)


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
        return ratio(self.correct, self.answers)

    @property
    def first_try_accuracy(self) -> float | None:
        """Share of reps whose first answer ever was right."""
        return ratio(self.first_correct, self.first_answers)

    def add_rep(
        self, *, answers: int, correct: int, first: bool | None, certain: int
    ) -> None:
        """Add one rep's totals on this question (first: their first answer)."""
        self.answers += answers
        self.correct += correct
        self.reps += 1
        self.certain_wrong += certain
        if first is not None:
            self.first_answers += 1
            self.first_correct += int(first)


def _pearson(x: np.ndarray, y: np.ndarray) -> float | None:
    if len(x) < 2 or np.std(x) == 0 or np.std(y) == 0:
        return None
    return float(np.corrcoef(x, y)[0, 1])


def _discrimination(pairs: list[tuple[float, float]]) -> float | None:
    """Correlation of (share right here, share right elsewhere) over the reps."""
    if len(pairs) < FLAG_MIN_REPS:
        return None
    xy = np.array(pairs)
    return _pearson(xy[:, 0], xy[:, 1])


def _flags(p: QuestionPerformance) -> list[str]:
    flags = []
    if p.answers >= FLAG_MIN_ANSWERS:
        if p.accuracy < FLAG_TOO_HARD:
            flags.append("nobody gets it right")
        if p.accuracy > FLAG_TOO_EASY:
            flags.append("everybody gets it right")
    if p.discrimination is not None and p.discrimination < FLAG_NEGATIVE_DISCRIMINATION:
        flags.append("strong reps miss it more")
    return flags


def _question_totals(
    stats: list[tuple], questions: dict[int, Question]
) -> tuple[dict[int, QuestionPerformance], dict[int, list[tuple[float, float]]]]:
    """Sum the reps' stats per question, with each rep's (here, elsewhere) pair.

    ``stats`` are (rep, question, answers, correct, first correct, certain
    wrong) rows; questions outside ``questions`` are left out.
    """
    rep_totals: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for rep_id, _q, answers, correct, _f, _c in stats:
        rep_totals[rep_id][0] += answers
        rep_totals[rep_id][1] += correct
    perf: dict[int, QuestionPerformance] = {}
    pairs: dict[int, list[tuple[float, float]]] = defaultdict(list)
    for rep_id, question_id, answers, correct, first, certain in stats:
        question = questions.get(question_id)
        if question is None:
            continue
        if question_id not in perf:
            perf[question_id] = QuestionPerformance(
                question_id, question.key, question.stem, question.topic.name
            )
        perf[question_id].add_rep(
            answers=answers, correct=correct, first=first, certain=certain
        )
        rest_answers = rep_totals[rep_id][0] - answers
        if answers and rest_answers:
            rest_correct = rep_totals[rep_id][1] - correct
            pairs[question_id].append((correct / answers, rest_correct / rest_answers))
    return perf, pairs


def _wrong_choices_add(
    perf: dict[int, QuestionPerformance], *, scope: KpiScope
) -> None:
    """Attach each question's wrong-choice picks, most picked first. One query."""
    for row in (
        _choice_stats(scope)
        .filter(question_id__in=list(perf))
        .values("question_id", "choice_id", "choice__text")
        .annotate(n=Sum("picks"), c=Sum("certain_picks"))
        .order_by("question_id", "-n")
    ):
        perf[row["question_id"]].wrong_choices.append(
            ChoicePicks(row["choice_id"], row["choice__text"], row["n"], row["c"])
        )


def kpi_content_performance(*, scope: KpiScope) -> list[QuestionPerformance]:
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
    questions = {
        q.pk: q
        for q in Question.objects.filter(
            pk__in={s[1] for s in stats},
            module__methodology__organization=scope.organization,
        ).select_related("topic")
    }
    perf, pairs = _question_totals(stats, questions)
    _wrong_choices_add(perf, scope=scope)
    for question_id, p in perf.items():
        p.discrimination = _discrimination(pairs[question_id])
        p.flags = _flags(p)
    return sorted(perf.values(), key=lambda p: (not p.flags, p.accuracy or 0, p.key))


@dataclass
class Misconception:
    question_id: int
    question_key: str
    topic: str
    choice_text: str
    certain_picks: int
    reps: int


def kpi_misconception_list(*, scope: KpiScope, limit: int = 25) -> list[Misconception]:
    """Wrong choices picked with certainty, most often first. One query."""
    rows = (
        _choice_stats(scope)
        .filter(
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


def kpi_misconceptions_by_topic(*, scope: KpiScope) -> list[tuple[str, int]]:
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
