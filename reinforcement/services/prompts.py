"""Prompt lifecycle outside answering: expiry and withdrawal."""

import datetime as dt
import logging
from collections.abc import Iterable

from django.db import transaction

from reinforcement.models import Delivery, Prompt
from reinforcement.services.rollups.participation import participation_refresh

logger = logging.getLogger(__name__)

OPEN = (Prompt.Status.PLANNED, Prompt.Status.DELIVERED)


def prompts_expire(*, now: dt.datetime) -> int:
    """Expire open prompts past their window; the question stays due. Returns how many."""
    return Prompt.objects.filter(
        status__in=[Prompt.Status.PLANNED, Prompt.Status.DELIVERED], expires_at__lt=now
    ).update(status=Prompt.Status.EXPIRED)


@transaction.atomic
def prompts_withdraw(
    *,
    now: dt.datetime,
    rep_ids: Iterable[int] | None = None,
    question_ids: Iterable[int] | None = None,
    reason: str = "",
) -> int:
    """Take back the open prompts of these reps and/or questions; returns how many.

    A withdrawn prompt is neither answered nor missed: it leaves the rep's
    Today page and the API, and the participation rows of its days are
    recounted without it. A plan left with no open prompt has its pending
    deliveries canceled, so no email or Slack message points at nothing.
    Used when a rep leaves (person_deactivate) and, later, when a question
    is retired. Answered and expired prompts stay as they are: history.
    """
    if rep_ids is None and question_ids is None:
        raise ValueError("name the reps or the questions whose prompts to withdraw")
    prompts = Prompt.objects.filter(status__in=OPEN)
    if rep_ids is not None:
        prompts = prompts.filter(rep_id__in=list(rep_ids))
    if question_ids is not None:
        prompts = prompts.filter(question_id__in=list(question_ids))
    rows = list(
        prompts.select_for_update().values_list("pk", "rep_id", "local_date", "plan_id")
    )
    if not rows:
        return 0
    Prompt.objects.filter(pk__in=[r[0] for r in rows]).update(
        status=Prompt.Status.WITHDRAWN, updated_at=now
    )
    plan_ids = {r[3] for r in rows if r[3] is not None}
    emptied = plan_ids - set(
        Prompt.objects.filter(plan_id__in=plan_ids, status__in=OPEN).values_list(
            "plan_id", flat=True
        )
    )
    canceled = Delivery.objects.filter(
        plan_id__in=emptied, status=Delivery.Status.PENDING
    ).update(
        status=Delivery.Status.CANCELED,
        next_attempt_at=None,
        last_error=reason[:2000],
        updated_at=now,
    )
    participation_refresh(rep_ids={r[1] for r in rows}, days={r[2] for r in rows})
    logger.info(
        "withdrew %s prompts of %s reps, canceled %s deliveries (%s)",
        len(rows),
        len({r[1] for r in rows}),
        canceled,
        reason or "no reason given",
    )
    return len(rows)


@transaction.atomic
def rep_departure_apply(*, rep_id: int, now: dt.datetime) -> tuple[int, int]:
    """A rep left: withdraw their open prompts and cancel every pending delivery.

    Returns (prompts withdrawn, deliveries canceled). Their answers, memory
    states and past prompts stay: history counts in past figures.
    """
    withdrawn = prompts_withdraw(now=now, rep_ids=[rep_id], reason="the rep left")
    canceled = Delivery.objects.filter(
        plan__rep_id=rep_id, status=Delivery.Status.PENDING
    ).update(
        status=Delivery.Status.CANCELED,
        next_attempt_at=None,
        last_error="the rep left",
        updated_at=now,
    )
    return withdrawn, canceled
