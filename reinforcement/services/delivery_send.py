"""Send the pending Delivery rows of plans or triggered refreshers, each at most once.

The sending half of the outbox (`services/delivery.py` writes and sweeps the
rows; docs/reliability.md): a claim counts an attempt and gives each row a
lease in its own commit, then every row is sent under its lock and marked
sent in that same transaction.
"""

import datetime as dt
import logging

from billiard.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import Q, QuerySet

from ops import metrics
from reinforcement.models import DailyPlan, Delivery, Prompt, PromptTrigger
from reinforcement.selectors.planning import reps_active
from reinforcement.services.delivery_senders import (
    SENDERS,
    DeliveryServerDown,
    DeliveryTransientError,
)

logger = logging.getLogger(__name__)

# The longest wait between two attempts of a failing channel.
BACKOFF_MAX_SECONDS = 3600

Owners = list[DailyPlan] | list[PromptTrigger]


def owners_deliver(owners: Owners, now: dt.datetime) -> None:
    """Send the pending rows of plans, or of triggered refreshers (one kind).

    The inbox rows are claimed and marked sent together (the inbox is the
    prompts themselves, no external send); every other row is claimed right
    before its own send, so a batch that times out or dies counts an attempt
    only on the row it was sending, and the sweeper re-drives the rest. When
    a channel's server is down (SMTP unreachable or timing out), its other
    rows in the batch are deferred, not each tried for the full timeout. An
    unexpected error in one send is raised once the rest were sent.
    """
    if not owners:
        return
    field = "plan_id" if isinstance(owners[0], DailyPlan) else "trigger_id"
    by_pk = _reps_left_cancel(owners, field, now)
    rows = Delivery.objects.filter(**{f"{field}__in": list(by_pk)})
    others = list(
        rows.filter(status=Delivery.Status.PENDING)
        .exclude(channel=Delivery.Channel.INBOX)
        .order_by("pk")
        .values_list("pk", field, "channel")
    )
    # Read before the inbox marks them delivered, as each sender always saw them.
    prompts = _prompts_by_owner(field, {owner_id for _, owner_id, _ in others})
    inbox = _deliveries_claim(rows.filter(channel=Delivery.Channel.INBOX), now)
    _inbox_deliver([row.pk for row in inbox], now)
    error: Exception | None = None
    down: dict[str, str] = {}  # channel -> why its server is down
    for pk, owner_id, channel in others:
        if channel in down:
            _delivery_defer(pk, down[channel], now)
            continue
        if not _deliveries_claim(Delivery.objects.filter(pk=pk), now):
            continue  # sent meanwhile, at the cap, or being sent by another task
        try:
            _deliver_channel(pk, by_pk[owner_id], prompts.get(owner_id, []), now)
        except DeliveryServerDown as exc:
            down[channel] = str(exc)
        except (DatabaseError, SoftTimeLimitExceeded):
            raise  # the connection or the task's time is gone: the rest too
        except Exception as exc:  # noqa: BLE001 (one send's bug spares the batch)
            logger.exception("delivery %s raised; left to the sweeper", pk)
            error = error or exc
    if error is not None:
        raise error


def _delivery_defer(delivery_id: int, error: str, now: dt.datetime) -> None:
    """Leave a pending row for the next attempt, no attempt counted: its
    channel's server was down for an earlier row of this batch."""
    wait = dt.timedelta(seconds=settings.REINFORCEMENT_DELIVERY_BACKOFF_SECONDS)
    Delivery.objects.filter(pk=delivery_id, status=Delivery.Status.PENDING).update(
        next_attempt_at=now + wait,
        last_error=f"deferred, the server was down for this batch: {error}"[:2000],
        updated_at=now,
    )


def _reps_left_cancel(owners: Owners, field: str, now: dt.datetime) -> dict:
    """Cancel the pending rows of reps who left since the task was enqueued;
    returns the other owners by pk."""
    active = set(
        reps_active()
        .filter(user_id__in={o.rep_id for o in owners})
        .values_list("user_id", flat=True)
    )
    left = [o.pk for o in owners if o.rep_id not in active]
    if left:
        Delivery.objects.filter(
            **{f"{field}__in": left}, status=Delivery.Status.PENDING
        ).update(
            status=Delivery.Status.CANCELED,
            next_attempt_at=None,
            last_error="the rep left",
            updated_at=now,
        )
    return {o.pk: o for o in owners if o.rep_id in active}


def _prompts_by_owner(field: str, owner_ids: set[int]) -> dict[int, list[Prompt]]:
    """The owners' prompts in order, withdrawn ones left out (one query)."""
    out: dict[int, list[Prompt]] = {}
    if not owner_ids:
        return out
    for prompt in (
        Prompt.objects.filter(**{f"{field}__in": owner_ids})
        .exclude(status=Prompt.Status.WITHDRAWN)
        .select_related("question__topic")
        .order_by(field, "position")
    ):
        out.setdefault(getattr(prompt, field), []).append(prompt)
    return out


def _deliveries_claim(rows: QuerySet[Delivery], now: dt.datetime) -> list[Delivery]:
    """Count an attempt on each of these rows still pending and give it a lease.

    Committed before sending, so a task that dies mid-send still counts
    towards the cap and its row waits only the lease. A row already at the
    cap fails here instead of being sent again. Rows another task holds
    locked right now are left to it (skip_locked).
    """
    lease = dt.timedelta(seconds=settings.REINFORCEMENT_DELIVERY_LEASE_SECONDS)
    cap = settings.REINFORCEMENT_DELIVERY_MAX_ATTEMPTS
    with transaction.atomic():
        rows = list(
            rows.select_for_update(skip_locked=True)
            .filter(status=Delivery.Status.PENDING)
            .order_by("pk")
        )
        for row in rows:
            if row.attempts >= cap:
                row.status = Delivery.Status.FAILED
                row.last_error = row.last_error or (
                    f"no send finished in {row.attempts} attempts"
                )
            else:
                row.attempts += 1
                row.next_attempt_at = now + lease
            row.updated_at = now
        Delivery.objects.bulk_update(
            rows, ["status", "attempts", "next_attempt_at", "last_error", "updated_at"]
        )
    return [row for row in rows if row.status == Delivery.Status.PENDING]


def _inbox_deliver(delivery_ids: list[int], now: dt.datetime) -> None:
    """Mark these inbox rows sent and their prompts delivered, in one transaction.

    The rows are locked in order and re-read: one another task marked
    meanwhile is left as it is, so a duplicated batch changes nothing.
    """
    if not delivery_ids:
        return
    with transaction.atomic():
        rows = list(
            Delivery.objects.select_for_update()
            .filter(pk__in=delivery_ids, status=Delivery.Status.PENDING)
            .order_by("pk")
            .values_list("pk", "plan_id", "trigger_id")
        )
        Delivery.objects.filter(pk__in=[pk for pk, _, _ in rows]).update(
            status=Delivery.Status.SENT,
            sent_at=now,
            next_attempt_at=None,
            last_error="",
            updated_at=now,
        )
        # The inbox is the prompts themselves: they show as delivered.
        owned = Q(plan_id__in=[p for _, p, _ in rows if p]) | Q(
            trigger_id__in=[t for _, _, t in rows if t]
        )
        Prompt.objects.filter(owned, status=Prompt.Status.PLANNED).update(
            status=Prompt.Status.DELIVERED, delivered_at=now
        )
    for _ in rows:  # counted once committed
        metrics.delivery_counted(
            channel=Delivery.Channel.INBOX, outcome=Delivery.Status.SENT
        )


def _deliver_channel(
    delivery_id: int,
    plan: DailyPlan | PromptTrigger,
    prompts: list[Prompt],
    now: dt.datetime,
) -> str:
    """Send one channel under its row lock and record the outcome in that transaction.

    The commit that marks the row sent is the point of no return. The one
    window left: a crash after the external send returned and before that
    commit rolls the row back to pending, so the sweeper sends that channel
    a second time (docs/reliability.md). No exactly-once is possible against
    an SMTP server or a webhook that takes no idempotency key.
    """
    down: DeliveryServerDown | None = None
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().get(pk=delivery_id)
        if delivery.status != Delivery.Status.PENDING:
            return delivery.status  # another task sent it, or it failed for good
        try:
            SENDERS[delivery.channel](plan, prompts)
        except DeliveryTransientError as exc:
            _record_failure(delivery, str(exc), now)
            down = exc if isinstance(exc, DeliveryServerDown) else None
        else:
            delivery.status = Delivery.Status.SENT
            delivery.sent_at = now
            delivery.next_attempt_at = None
            delivery.last_error = ""
        delivery.save()
    # Counted once committed: "pending" is a failed send the sweeper retries.
    metrics.delivery_counted(channel=delivery.channel, outcome=delivery.status)
    if down is not None:
        raise down  # recorded; the batch defers this channel's other rows
    return delivery.status


def _record_failure(delivery: Delivery, error: str, now: dt.datetime) -> None:
    delivery.last_error = error[:2000]
    if delivery.attempts >= settings.REINFORCEMENT_DELIVERY_MAX_ATTEMPTS:
        delivery.status = Delivery.Status.FAILED
        delivery.next_attempt_at = None
        logger.error("delivery %s failed for good: %s", delivery.pk, error)
        return
    backoff = settings.REINFORCEMENT_DELIVERY_BACKOFF_SECONDS * 2 ** (
        delivery.attempts - 1
    )
    delivery.next_attempt_at = now + dt.timedelta(
        seconds=min(backoff, BACKOFF_MAX_SECONDS)
    )
    logger.warning(
        "delivery %s attempt %s failed, next at %s: %s",
        delivery.pk,
        delivery.attempts,
        delivery.next_attempt_at.isoformat(),
        error,
    )
