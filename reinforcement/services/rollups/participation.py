"""Participation rollups: one RepDay row per rep and local plan day, recounted
from that day's prompts (prompts expire hourly, which no answer sees)."""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Count, Q

from reinforcement.models import Prompt, RepDay
from reinforcement.services.rollups import BATCH_SIZE


def participation_refresh(
    *, rep_ids: Iterable[int] | None = None, days: Iterable[dt.date]
) -> int:
    """Recompute participation rows of these reps (all when None) on these days.

    A prompt counts as delivered unless it is still only planned (never shown
    to the rep); expired prompts count, unanswered; withdrawn prompts (the rep
    left, the question was retired) do not count at all. Returns rows written.
    """
    days = sorted(set(days))
    prompts = Prompt.objects.filter(local_date__in=days)
    if rep_ids is not None:
        prompts = prompts.filter(rep_id__in=list(rep_ids))
    delivered = (Q(delivered_at__isnull=False) | ~Q(status=Prompt.Status.PLANNED)) & ~Q(
        status=Prompt.Status.WITHDRAWN
    )
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
    by_channel = _answers_by_channel(prompts)
    objs = [
        RepDay(
            rep_id=r["rep_id"],
            day=r["local_date"],
            delivered=r["n_delivered"],
            answered=r["n_answered"],
            answered_on_time=r["n_on_time"],
            expired=r["n_expired"],
            answered_by_channel=by_channel.get((r["rep_id"], r["local_date"]), {}),
        )
        for r in rows
    ]
    RepDay.objects.bulk_create(
        objs,
        update_conflicts=True,
        unique_fields=["rep", "day"],
        update_fields=[
            "delivered",
            "answered",
            "answered_on_time",
            "expired",
            "answered_by_channel",
        ],  # fmt: skip
        batch_size=BATCH_SIZE,
    )
    return len(objs)


def _answers_by_channel(prompts) -> dict[tuple[int, dt.date], dict[str, int]]:
    """Each (rep, day)'s answers per channel (Answer.channel), in one grouped query."""
    rows = (
        prompts.filter(status=Prompt.Status.ANSWERED)
        .values_list("rep_id", "local_date", "answer__channel")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts: dict[tuple[int, dt.date], dict[str, int]] = defaultdict(dict)
    for rep_id, day, channel, n in rows:
        if channel:
            counts[(rep_id, day)][channel] = n
    return counts
