"""Refresh what an answer's own write cannot keep: participation, this week's
snapshots and ramp, per answer (``rep_rollups_refresh``) or in bulk every
minute (``recent_answers_refresh``), through one routine.
"""

import datetime as dt
from collections import defaultdict

from reinforcement.kpi_rules import is_mastered
from reinforcement.models import Answer, KpiFillState
from reinforcement.services.rollups.participation import participation_refresh
from reinforcement.services.rollups.ramp import ramp_milestones_check
from reinforcement.services.rollups.snapshots import (
    SNAPSHOT_CHUNK_SIZE,
    snapshots_refresh,
)


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
