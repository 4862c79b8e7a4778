"""Weekly snapshots of predicted retention and mastery, one row per rep x topic
x week, with the spaced-review sums of the observed window.

The current week's row is rewritten by the minutely refresh (the cells of
reps who answered) and by the nightly refresh of every rep, which records its
progress in KpiFillState("snapshots") so a crashed run resumes.
"""

import datetime as dt
from collections import defaultdict

from django.db import transaction
from django.db.models import Sum

from enablement.models import Question, RepProfile
from reinforcement.kpi_rules import OBSERVED_WINDOW_DAYS, is_mastered, week_start
from reinforcement.memory.scheduling import MemoryModel, elapsed_days_between
from reinforcement.models import (
    SNAPSHOT_WINDOW_FIELDS,
    KpiFillState,
    MemoryState,
    RepTopicDay,
    RepTopicSnapshot,
)
from reinforcement.selectors.memory_models import rep_memory_models
from reinforcement.services.rollups import BATCH_SIZE

# Reps per snapshot chunk: about 100 memory states each, so 500 reps read
# ~50k rows (a few MB) per query and a chunk writes ~20k snapshot rows.
SNAPSHOT_CHUNK_SIZE = 500
# The KpiFillState row of the nightly refresh of every rep.
SNAPSHOTS_FILL = "snapshots"


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
    RepTopicDay. Recall is predicted with each rep's model
    (``rep_memory_models``: the organization's, or ``model`` when given, with
    the rep's forgetting multiplier).
    Returns rows written.
    """
    cells = _memory_cells(rep_ids=rep_ids, now=now, model=model, topic_ids=topic_ids)
    window = _review_window(rep_ids=rep_ids, now=now, topic_ids=topic_ids)
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


def _memory_cells(
    *,
    rep_ids: list[int],
    now: dt.datetime,
    model: MemoryModel | None,
    topic_ids: list[int] | None,
) -> dict[tuple[int, int], list]:
    """(rep, topic) -> [enrolled, introduced, sum of recall now, mastered]."""
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
    # Each rep's model: the organization's with the rep's forgetting multiplier.
    models = rep_memory_models(
        rep_organizations={rep: org for rep, *_, org in rows}, model=model
    )
    cells: dict[tuple[int, int], list] = defaultdict(lambda: [0, 0, 0.0, 0])
    for rep_id, topic_id, stability, last_review, _organization_id in rows:
        cell = cells[(rep_id, topic_id)]
        cell[0] += 1
        if stability is None:
            continue
        elapsed = elapsed_days_between(last_review, now)
        cell[1] += 1
        cell[2] += models[rep_id].recall(stability, elapsed)
        cell[3] += int(is_mastered(stability))
    return cells


def _review_window(
    *, rep_ids: list[int], now: dt.datetime, topic_ids: list[int] | None
) -> dict[tuple[int, int], dict]:
    """(rep, topic) -> sums of the spaced reviews of the observed window."""
    reviews = RepTopicDay.objects.filter(
        rep_id__in=rep_ids,
        day__gt=now.date() - dt.timedelta(days=OBSERVED_WINDOW_DAYS),
        day__lte=now.date(),
    )
    if topic_ids is not None:
        reviews = reviews.filter(topic_id__in=topic_ids)
    return {
        (r.pop("rep_id"), r.pop("topic_id")): r
        for r in reviews.values("rep_id", "topic_id")
        .annotate(**{name: Sum(name) for name in SNAPSHOT_WINDOW_FIELDS})
        .order_by()
    }


def snapshots_refresh_all(
    *, now: dt.datetime, chunk_size: int = SNAPSHOT_CHUNK_SIZE
) -> int:
    """Refresh this week's snapshot of every rep, in chunks; returns rows written.

    As Zulip's FillState: each chunk commits with the last rep id it covered,
    so a run that crashed this week resumes after its last committed chunk
    (those reps keep the crashed run's values, of the same week). A new
    week, or a finished run, starts from the first rep.
    """
    after = _snapshots_fill_start(now=now)
    reps = RepProfile.objects.order_by("user_id")
    if after is not None:
        reps = reps.filter(user_id__gt=after)
    rep_ids = list(reps.values_list("user_id", flat=True))
    written = 0
    for start in range(0, len(rep_ids), chunk_size):
        written += _snapshots_chunk_refresh(
            rep_ids=rep_ids[start : start + chunk_size], now=now
        )
    KpiFillState.objects.filter(name=SNAPSHOTS_FILL).update(
        end_time=now, state=KpiFillState.State.DONE, last_id=None
    )
    return written


def _snapshots_chunk_refresh(*, rep_ids: list[int], now: dt.datetime) -> int:
    """One chunk of the refresh of every rep: its snapshots and the fill's
    progress commit together. ``rep_ids`` are in id order; returns rows written."""
    with transaction.atomic():
        written = snapshots_refresh(rep_ids=rep_ids, now=now)
        KpiFillState.objects.filter(name=SNAPSHOTS_FILL).update(last_id=rep_ids[-1])
    return written


def _snapshots_fill_start(*, now: dt.datetime) -> int | None:
    """Mark the fill started; returns the rep id to resume after, if any."""
    state = KpiFillState.objects.filter(name=SNAPSHOTS_FILL).first()
    resume = (
        state is not None
        and state.state == KpiFillState.State.STARTED
        and week_start(state.end_time.date()) == week_start(now.date())
    )
    after = state.last_id if resume else None
    KpiFillState.objects.update_or_create(
        name=SNAPSHOTS_FILL,
        defaults={
            "end_time": now,
            "state": KpiFillState.State.STARTED,
            "last_id": after,
        },
    )
    return after
