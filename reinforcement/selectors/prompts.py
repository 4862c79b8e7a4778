"""Reads of prompts for the rep who owns them."""

import datetime as dt
from collections.abc import Iterable

from django.db.models import F, Prefetch, Q, QuerySet

from enablement.models import Choice
from reinforcement.models import Answer, Prompt

OPEN_STATUSES = (Prompt.Status.PLANNED, Prompt.Status.DELIVERED)


def prompts_with_question(queryset: QuerySet[Prompt]) -> QuerySet[Prompt]:
    return queryset.select_related(
        "question__topic", "question__module", "trigger"
    ).prefetch_related(
        Prefetch(
            "question__choices", queryset=Choice.objects.order_by("position", "id")
        )
    )


def prompts_open_for_rep(
    *,
    rep_id: int,
    now: dt.datetime,
    source: str | None = None,
    also_ids: Iterable[str] = (),
) -> QuerySet[Prompt]:
    """Open, unexpired prompts of one rep, oldest day first, in planned order.

    Includes earlier days' prompts still inside their answer window, so a rep
    who skipped a day can catch up. A refresher that came by itself (a deal's
    stage entry: a trigger) comes first: it is for the next call. With a
    ``source``, ``also_ids`` adds prompts of another source that belong to the
    set: a refresher reuses a question already open in today's plan.
    """
    queryset = Prompt.objects.filter(
        rep_id=rep_id, status__in=OPEN_STATUSES, expires_at__gt=now
    )
    if source:
        queryset = queryset.filter(Q(source=source) | Q(pk__in=list(also_ids)))
    return prompts_with_question(queryset).order_by(
        F("trigger_id").asc(nulls_last=True), "local_date", "source", "position", "id"
    )


def prompt_get_for_rep(*, rep_id: int, prompt_id) -> Prompt | None:
    """One of the rep's own prompts; another rep's, or a withdrawn one, is missing."""
    return prompts_with_question(
        Prompt.objects.filter(rep_id=rep_id, pk=prompt_id).exclude(
            status=Prompt.Status.WITHDRAWN
        )
    ).first()


def prompt_is_withdrawn_for_rep(*, rep_id: int, prompt_id) -> bool:
    """Whether this is one of the rep's prompts, withdrawn (a stale page's answer)."""
    return Prompt.objects.filter(
        rep_id=rep_id, pk=prompt_id, status=Prompt.Status.WITHDRAWN
    ).exists()


def answer_get_for_rep(*, rep_id: int, prompt_id) -> Answer | None:
    """The rep's answer to one of their own prompts, or None."""
    return (
        Answer.objects.filter(rep_id=rep_id, prompt_id=prompt_id)
        .select_related("question")
        .first()
    )
