"""Weekly snapshots of predicted retention and mastery, one row per rep x topic
x week, with the spaced-review sums of the observed window.

The current week's row is rewritten by the minutely refresh (the cells of
reps who answered) and by the nightly refresh of every rep.
"""

import datetime as dt
from collections import defaultdict

from django.db import transaction
from django.db.models import Sum

from enablement.models import Question, RepProfile
from reinforcement.kpi_rules import OBSERVED_WINDOW_DAYS, is_mastered, week_start
from reinforcement.memory.scheduling import MemoryModel
from reinforcement.models import (
    SNAPSHOT_WINDOW_FIELDS,
    KpiFillState,
    MemoryState,
    RepTopicDay,
    RepTopicSnapshot,
)
from reinforcement.selectors.memory_models import organization_memory_model
from reinforcement.services.rollups import BATCH_SIZE

# Reps per snapshot chunk: about 100 memory states each, so 500 reps read
# ~50k rows (a few MB) per query and a chunk writes ~20k snapshot rows.
SNAPSHOT_CHUNK_SIZE = 500


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
