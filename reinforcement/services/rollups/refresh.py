"""Refresh the KPI rollups an answer's own write cannot keep: participation,
weekly snapshots and ramp, per answer, per minute, per hour and per night.

The counters are written with the answer (``counters``); ``rollups_rebuild``
recomputes everything for some reps from the Answer log.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Count, Q, Sum

from enablement.models import Module, Question, RepProfile
from reinforcement.kpi_rules import (
    MASTERY_STABILITY_DAYS,
    OBSERVED_WINDOW_DAYS,
    RAMP_MASTERY_SHARE,
    SPACED_REVIEW_MIN_DAYS,
    chance_level,
    corrected_score,
    is_mastered,
    is_ramped,
    recall_bin,
    week_start,
)
from reinforcement.memory.scheduling import MemoryModel
from reinforcement.models import (
    SNAPSHOT_WINDOW_FIELDS,
    Answer,
    AnswerSums,
    KpiFillState,
    MemoryState,
    ModuleMastery,
    Prompt,
    RepAnswerDay,
    RepChoiceStat,
    RepDay,
    RepQuestionStat,
    RepTopicDay,
    RepTopicRecallBin,
    RepTopicSnapshot,
)
from reinforcement.selectors.memory_models import organization_memory_model

# Reps per snapshot chunk: about 100 memory states each, so 500 reps read
# ~50k rows (a few MB) per query and a chunk writes ~20k snapshot rows.
SNAPSHOT_CHUNK_SIZE = 500
# The sums RepAnswerDay shares with RepTopicDay.
ANSWER_DAY_FIELDS = tuple(f.name for f in AnswerSums._meta.fields)
# Rows per bulk insert or update.
BATCH_SIZE = 2000


def rep_rollups_refresh(*, answer_id) -> None:
    """Recompute what one answer changes beyond the counters (idempotent).

    The rep's participation that day, this week's retention snapshot of the
    question's topic, and the module's ramp milestone, as of the answer. The
    answer service calls it right after the write when
    REINFORCEMENT_ROLLUP_REFRESH_INLINE is on; otherwise the minutely
    ``recent_answers_refresh`` does the same in bulk.
    """
    answers = Answer.objects.filter(pk=answer_id)
    answered_at = answers.values_list("answered_at", flat=True).first()
    if answered_at is not None:
        _answers_refresh(answers, now=answered_at)


# Answers at most this old are read again by the next refresh: an answer's
# transaction can commit after a refresh has read past its answered_at.
RECENT_ANSWERS_OVERLAP = dt.timedelta(minutes=2)
# The first refresh (no watermark yet) looks back this far.
RECENT_ANSWERS_FIRST_LOOKBACK = dt.timedelta(hours=1)


def recent_answers_refresh(*, now: dt.datetime) -> int:
    """Recompute the participation, snapshot and ramp rows of recent answers.

    What ``rep_rollups_refresh`` does for one answer, in bulk for every answer
    since the last run (a watermark in KpiFillState, read again with an
    overlap): Celery beat runs it every minute, so the answer request enqueues
    nothing. Everything it writes is recomputed, so reading an answer twice is
    harmless. Returns the answers read.
    """
    state = KpiFillState.objects.filter(name="recent_answers").first()
    since = (state.end_time if state else now - RECENT_ANSWERS_FIRST_LOOKBACK) - (
        RECENT_ANSWERS_OVERLAP
    )
    count = _answers_refresh(
        Answer.objects.filter(answered_at__gt=since, answered_at__lte=now), now=now
    )
    KpiFillState.objects.update_or_create(
        name="recent_answers",
        defaults={"end_time": now, "state": KpiFillState.State.DONE},
    )
    return count


def _answers_refresh(answers, *, now: dt.datetime) -> int:
    """Participation, snapshots (as of ``now``) and ramp for these answers' reps;
    returns the answers read."""
    days: set[dt.date] = set()
    topics: dict[int, set[int]] = defaultdict(set)
    mastered: dict[int, dict[int, dt.datetime]] = defaultdict(dict)
    count = 0
    for rep_id, local_date, topic_id, module_id, stability, at in answers.values_list(
        "rep_id", "prompt__local_date", "question__topic_id",
        "question__module_id", "stability_after", "answered_at",
    ).order_by("answered_at"):  # fmt: skip
        count += 1
        days.add(local_date)
        topics[rep_id].add(topic_id)
        if is_mastered(stability):
            mastered[rep_id][module_id] = at
    rep_ids = sorted(topics)
    if rep_ids:
        participation_refresh(rep_ids=rep_ids, days=days)
    for start in range(0, len(rep_ids), SNAPSHOT_CHUNK_SIZE):
        chunk = rep_ids[start : start + SNAPSHOT_CHUNK_SIZE]
        snapshots_refresh(
            rep_ids=chunk,
            now=now,
            topic_ids=sorted(set().union(*(topics[r] for r in chunk))),
        )
    for rep_id, modules in mastered.items():
        # The latest answer of each module: a milestone reached earlier in
        # the window is dated a little late, never early.
        for module_id, at in modules.items():
            ramp_milestones_check(rep_id=rep_id, module_ids=[module_id], now=at)
    return count


# Participation -------------------------------------------------------------------


def participation_refresh(
    *, rep_ids: Iterable[int] | None = None, days: Iterable[dt.date]
) -> int:
    """Recompute participation rows of these reps (all when None) on these days.

    A prompt counts as delivered unless it is still only planned (never shown
    to the rep); expired prompts count, unanswered. Returns rows written.
    """
    days = sorted(set(days))
    prompts = Prompt.objects.filter(local_date__in=days)
    if rep_ids is not None:
        prompts = prompts.filter(rep_id__in=list(rep_ids))
    delivered = Q(delivered_at__isnull=False) | ~Q(status=Prompt.Status.PLANNED)
    rows = (
        prompts.values("rep_id", "local_date")
        .annotate(
            n_delivered=Count("pk", filter=delivered),
            n_answered=Count("pk", filter=Q(status=Prompt.Status.ANSWERED)),
            n_on_time=Count("pk", filter=Q(answer__on_time=True)),
            n_expired=Count("pk", filter=Q(status=Prompt.Status.EXPIRED)),
        )
        .order_by()
    )
    objs = [
        RepDay(
            rep_id=r["rep_id"],
            day=r["local_date"],
            delivered=r["n_delivered"],
            answered=r["n_answered"],
            answered_on_time=r["n_on_time"],
            expired=r["n_expired"],
        )
        for r in rows
    ]
    RepDay.objects.bulk_create(
        objs,
        update_conflicts=True,
        unique_fields=["rep", "day"],
        update_fields=["delivered", "answered", "answered_on_time", "expired"],
        batch_size=BATCH_SIZE,
    )
    return len(objs)


# Snapshots of predicted retention and mastery ----------------------------------


def snapshots_refresh(
    *,
    rep_ids: list[int],
    now: dt.datetime,
    model: MemoryModel | None = None,
    topic_ids: list[int] | None = None,
) -> int:
    """Rewrite this week's snapshot of these reps (and topics) as of ``now``.

    Reads the reps' memory states of published questions once, and the sums
    of their spaced reviews over the last OBSERVED_WINDOW_DAYS days from
    RepTopicDay. When no model is given, each organization's own is used.
    Returns rows written.
    """
    states = MemoryState.objects.filter(
        rep_id__in=rep_ids, question__status=Question.Status.PUBLISHED
    )
    if topic_ids is not None:
        states = states.filter(question__topic_id__in=topic_ids)
    rows = list(
        states.values_list(
            "rep_id",
            "question__topic_id",
            "stability",
            "last_review",
            "question__topic__organization_id",
        )
    )
    models: dict[int, MemoryModel] = {}
    cells: dict[tuple[int, int], list[float]] = defaultdict(lambda: [0, 0, 0.0, 0])
    for rep_id, topic_id, stability, last_review, organization_id in rows:
        cell = cells[(rep_id, topic_id)]
        cell[0] += 1
        if stability is None:
            continue
        if model is None and organization_id not in models:
            models[organization_id] = organization_memory_model(
                organization_id=organization_id
            )
        elapsed = max((now - last_review).total_seconds() / 86_400.0, 0.0)
        cell[1] += 1
        cell[2] += (model or models[organization_id]).recall(stability, elapsed)
        cell[3] += int(is_mastered(stability))
    reviews = RepTopicDay.objects.filter(
        rep_id__in=rep_ids,
        day__gt=now.date() - dt.timedelta(days=OBSERVED_WINDOW_DAYS),
        day__lte=now.date(),
    )
    if topic_ids is not None:
        reviews = reviews.filter(topic_id__in=topic_ids)
    window = {
        (r.pop("rep_id"), r.pop("topic_id")): r
        for r in reviews.values("rep_id", "topic_id")
        .annotate(**{name: Sum(name) for name in SNAPSHOT_WINDOW_FIELDS})
        .order_by()
    }
    week = week_start(now.date())
    objs = []
    for key in cells.keys() | window.keys():
        enrolled, introduced, predicted, mastered = cells.get(key, (0, 0, 0.0, 0))
        objs.append(
            RepTopicSnapshot(
                rep_id=key[0],
                topic_id=key[1],
                week=week,
                enrolled=enrolled,
                introduced=introduced,
                predicted_sum=predicted,
                mastered=mastered,
                computed_at=now,
                **{k: v or 0 for k, v in window.get(key, {}).items()},
            )
        )
    RepTopicSnapshot.objects.bulk_create(
        objs,
        update_conflicts=True,
        unique_fields=["rep", "topic", "week"],
        update_fields=[
            "enrolled", "introduced", "predicted_sum", "mastered", "computed_at",
            *SNAPSHOT_WINDOW_FIELDS,
        ],
        batch_size=BATCH_SIZE,
    )  # fmt: skip
    return len(objs)


def snapshots_refresh_all(*, now: dt.datetime) -> int:
    """Refresh this week's snapshot of every rep, in chunks; returns rows written."""
    KpiFillState.objects.update_or_create(
        name="snapshots",
        defaults={"end_time": now, "state": KpiFillState.State.STARTED},
    )
    rep_ids = list(
        RepProfile.objects.order_by("user_id").values_list("user_id", flat=True)
    )
    written = 0
    for start in range(0, len(rep_ids), SNAPSHOT_CHUNK_SIZE):
        with transaction.atomic():
            written += snapshots_refresh(
                rep_ids=rep_ids[start : start + SNAPSHOT_CHUNK_SIZE], now=now
            )
    KpiFillState.objects.filter(name="snapshots").update(
        end_time=now, state=KpiFillState.State.DONE
    )
    return written


# Ramp --------------------------------------------------------------------------


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


# From scratch --------------------------------------------------------------------


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
