"""Recompute the answer rollups and ramp milestones of some reps from the Answer log."""

import datetime as dt
from collections import defaultdict

from django.db import transaction
from django.db.models import Count, Q

from enablement.models import Module, Question
from reinforcement.kpi_rules import (
    MASTERY_STABILITY_DAYS,
    RAMP_MASTERY_SHARE,
    SPACED_REVIEW_MIN_DAYS,
    chance_level,
    corrected_score,
    recall_bin,
)
from reinforcement.models import (
    Answer,
    AnswerSums,
    ModuleMastery,
    RepAnswerDay,
    RepChoiceStat,
    RepQuestionStat,
    RepTopicDay,
    RepTopicRecallBin,
)
from reinforcement.services.rollups import BATCH_SIZE
from reinforcement.services.rollups.participation import participation_refresh

# The sums RepAnswerDay shares with RepTopicDay.
ANSWER_DAY_FIELDS = tuple(f.name for f in AnswerSums._meta.fields)


@transaction.atomic
def rollups_rebuild(*, rep_ids: list[int]) -> int:
    """Recompute the answer rollups and ramp milestones of these reps from the log.

    Deletes and rewrites the reps' rows in one transaction; snapshots are left
    alone (they record memory states as they were, which the log cannot give
    back without replaying FSRS). Returns the number of answers read.
    """
    for model in (
        RepTopicDay,
        RepAnswerDay,
        RepQuestionStat,
        RepChoiceStat,
        RepTopicRecallBin,
    ):
        model.objects.filter(rep_id__in=rep_ids).delete()
    ModuleMastery.objects.filter(rep_id__in=rep_ids).delete()
    correct_ids: dict[int, set[int]] = defaultdict(set)
    answers = (
        Answer.objects.filter(rep_id__in=rep_ids)
        .order_by("rep_id", "answered_at")
        .values_list(
            "rep_id", "question_id", "question__topic_id", "question__kind",
            "question__module_id", "choice_count", "correct", "confidence",
            "chosen_choice_ids", "on_time", "answered_at", "elapsed_days",
            "stability_before", "stability_after", "predicted_recall", "prompt__local_date",
        )
    )  # fmt: skip
    days: dict[tuple, RepTopicDay] = {}
    stats: dict[tuple, RepQuestionStat] = {}
    picks: dict[tuple, RepChoiceStat] = {}
    bins: dict[tuple, RepTopicRecallBin] = {}
    plan_days: dict[int, set[dt.date]] = defaultdict(set)
    # Per (rep, module): question -> latest stability, to replay mastery.
    stability: dict[tuple[int, int], dict[int, float]] = defaultdict(dict)
    module_totals = dict(
        Module.objects.annotate(
            n=Count("questions", filter=Q(questions__status=Question.Status.PUBLISHED))
        ).values_list("pk", "n")
    )
    published = set(
        Question.objects.filter(status=Question.Status.PUBLISHED).values_list(
            "pk", flat=True
        )
    )
    milestones: dict[tuple[int, int], dt.datetime] = {}
    count = 0
    for (rep_id, question_id, topic_id, kind, module_id, k, correct, confidence, chosen,
         on_time, answered_at, elapsed, s_before, s_after, predicted, local_date) in answers:  # fmt: skip
        count += 1
        plan_days[rep_id].add(local_date)
        chance = chance_level(kind=kind, choice_count=k)
        spaced = (
            s_before is not None
            and elapsed is not None
            and elapsed >= SPACED_REVIEW_MIN_DAYS
        )
        certain_wrong = not correct and confidence == Answer.Confidence.CERTAIN
        day = days.setdefault(
            (rep_id, topic_id, answered_at.date()),
            RepTopicDay(rep_id=rep_id, topic_id=topic_id, day=answered_at.date()),
        )
        day.answers += 1
        day.correct += int(correct)
        day.on_time += int(on_time)
        day.certain_wrong += int(certain_wrong)
        stat = stats.get((rep_id, question_id))
        if stat is None:
            stat = stats[(rep_id, question_id)] = RepQuestionStat(
                rep_id=rep_id, question_id=question_id, topic_id=topic_id,
                first_correct=correct,
            )  # fmt: skip
        stat.answers += 1
        stat.correct += int(correct)
        stat.certain_wrong += int(certain_wrong)
        stat.last_answered_at = answered_at
        if spaced:
            score = corrected_score(correct=correct, chance=chance)
            day.reviews += 1
            day.reviews_correct += int(correct)
            day.reviews_corrected += score
            day.reviews_predicted += predicted or 0.0
            b = bins.setdefault(
                (rep_id, topic_id, recall_bin(elapsed)),
                RepTopicRecallBin(rep_id=rep_id, topic_id=topic_id, bin_start=recall_bin(elapsed)),
            )  # fmt: skip
            b.reviews += 1
            b.corrected += score
            b.predicted += predicted or 0.0
        if not correct:
            if question_id not in correct_ids:
                correct_ids[question_id] = set(
                    Question.objects.get(pk=question_id)
                    .choices.filter(is_correct=True)
                    .values_list("id", flat=True)
                )
            for choice_id in sorted(set(chosen) - correct_ids[question_id]):
                pick = picks.setdefault(
                    (rep_id, choice_id),
                    RepChoiceStat(rep_id=rep_id, choice_id=choice_id, question_id=question_id),
                )  # fmt: skip
                pick.picks += 1
                pick.certain_picks += int(certain_wrong)
        if question_id in published:
            memory = stability[(rep_id, module_id)]
            memory[question_id] = s_after
            total = module_totals.get(module_id, 0)
            if (
                (rep_id, module_id) not in milestones
                and total
                and sum(s >= MASTERY_STABILITY_DAYS for s in memory.values())
                >= RAMP_MASTERY_SHARE * total
            ):
                milestones[(rep_id, module_id)] = answered_at
    answer_days: dict[tuple, RepAnswerDay] = {}
    for d in days.values():
        total = answer_days.setdefault(
            (d.rep_id, d.day), RepAnswerDay(rep_id=d.rep_id, day=d.day)
        )
        for name in ANSWER_DAY_FIELDS:
            setattr(total, name, getattr(total, name) + getattr(d, name))
    for model, objs in (
        (RepTopicDay, days),
        (RepAnswerDay, answer_days),
        (RepQuestionStat, stats),
        (RepChoiceStat, picks),
        (RepTopicRecallBin, bins),
    ):
        model.objects.bulk_create(objs.values(), batch_size=BATCH_SIZE)
    ModuleMastery.objects.bulk_create(
        [
            ModuleMastery(rep_id=rep_id, module_id=module_id, reached_at=at)
            for (rep_id, module_id), at in milestones.items()
        ],
        batch_size=BATCH_SIZE,
    )
    for rep_id, local_days in plan_days.items():
        participation_refresh(rep_ids=[rep_id], days=local_days)
    return count
