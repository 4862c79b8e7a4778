"""Send a day's plan through the in-app inbox, email, Slack and Teams, each at most once.

Delivery is a transactional outbox (docs/reliability.md): planning writes each
plan's Delivery rows in the plan's own transaction, tasks send only rows the
database says are pending, and `deliveries_sweep` re-drives the rows a lost
enqueue, a dead task or a failed send left behind.
"""

import datetime as dt
import logging
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction

from ops import metrics
from reinforcement.models import (
    DailyPlan,
    Delivery,
    Prompt,
    PromptTrigger,
    PushSubscription,
)
from reinforcement.selectors.deliveries import deliveries_due
from reinforcement.selectors.planning import reps_active
from reinforcement.services.delivery_senders import (
    SENDERS,
    DeliveryTransientError,
)
from reinforcement.services.web_push import web_push_enabled

logger = logging.getLogger(__name__)

# Deliveries one sweep claims: about 2,500 plans, a few seconds of enqueueing;
# a larger backlog drains over the next runs.
SWEEP_BATCH = 5000
# The longest wait between two attempts of a failing channel.
BACKOFF_MAX_SECONDS = 3600


def delivery_channels(
    *,
    email_delivery: bool,
    rep_email: str,
    slack_delivery: bool,
    slack_webhook_url: str,
    channels_off: str = "",
    slack_dm: bool | None = None,
    teams_delivery: bool = False,
    teams_webhook_url: str = "",
) -> list[str]:
    """The channels a rep's plan goes out on: the inbox, and email, Slack and Teams
    if set up and the rep has not turned them off (``RepProfile.channels_off``).

    ``slack_dm``: None when the rep's organization has no Slack app (the
    team's webhook, if any, is its Slack channel); otherwise whether the rep
    has a Slack user to message directly, and the webhook is not used.
    """
    off = set(channels_off.split(","))
    channels = [Delivery.Channel.INBOX]
    if email_delivery and rep_email and "email" not in off:
        channels.append(Delivery.Channel.EMAIL)
    slack_route = bool(slack_webhook_url) if slack_dm is None else slack_dm
    if slack_delivery and slack_route and "slack" not in off:
        channels.append(Delivery.Channel.SLACK)
    if teams_delivery and teams_webhook_url and "teams" not in off:
        channels.append(Delivery.Channel.TEAMS)
    return channels


def deliveries_create(
    *, plan_channels: Iterable[tuple[DailyPlan, list[str]]], now: dt.datetime
) -> list[Delivery]:
    """Write the pending Delivery rows of new plans; call inside the plans' transaction.

    The rows wait the grace period for the task enqueued after the commit;
    if that enqueue is lost, the sweeper sends them once it has passed.
    """
    due = now + dt.timedelta(seconds=settings.REINFORCEMENT_DELIVERY_GRACE_SECONDS)
    plan_channels = list(plan_channels)
    pushed = _reps_with_push([plan.rep_id for plan, _channels in plan_channels])
    return Delivery.objects.bulk_create(
        [
            Delivery(plan=plan, channel=channel, next_attempt_at=due)
            for plan, channels in plan_channels
            for channel in (
                [*channels, Delivery.Channel.PUSH]
                if plan.rep_id in pushed
                else channels
            )
        ],
        batch_size=5000,
    )


def _reps_with_push(rep_ids: list[int]) -> set[int]:
    """Reps with a browser subscribed to Web Push, when this server can push."""
    if not web_push_enabled() or not rep_ids:
        return set()
    return set(
        PushSubscription.objects.filter(rep_id__in=rep_ids).values_list(
            "rep_id", flat=True
        )
    )


def trigger_deliveries_create(
    *, trigger: PromptTrigger, channels: list[str], now: dt.datetime
) -> list[Delivery]:
    """The pending Delivery rows of a triggered refresher, as for a plan."""
    due = now + dt.timedelta(seconds=settings.REINFORCEMENT_DELIVERY_GRACE_SECONDS)
    return Delivery.objects.bulk_create(
        [Delivery(trigger=trigger, channel=c, next_attempt_at=due) for c in channels]
    )


def deliveries_sweep(
    *, now: dt.datetime, limit: int = SWEEP_BATCH, owner: str = "plan"
) -> list[int]:
    """Claim the pending deliveries that are due; returns their plans to enqueue
    (with ``owner="trigger"``: their triggered refreshers).

    Each claimed row gets a lease (its next attempt moves to now + lease), so
    the next sweep leaves it to the task enqueued now unless that task is lost
    too. `skip_locked` leaves rows being sent right now to their sender.
    """
    column = f"{owner}_id"
    rows = deliveries_due(now=now).filter(**{f"{owner}__isnull": False})
    if not rows.exists():
        # The usual case, read without a transaction: on SQLite an IMMEDIATE
        # one would take the database's write lock every minute.
        return []
    lease = dt.timedelta(seconds=settings.REINFORCEMENT_DELIVERY_LEASE_SECONDS)
    with transaction.atomic():
        due = list(
            rows.select_for_update(skip_locked=True).values_list("id", column)[:limit]
        )
        Delivery.objects.filter(pk__in=[pk for pk, _ in due]).update(
            next_attempt_at=now + lease, updated_at=now
        )
    return sorted({owner_id for _, owner_id in due})


def plan_deliver(*, plan_id: int, now: dt.datetime) -> dict[str, str]:
    """Send a plan's pending deliveries; returns every channel's status afterwards.

    Only rows the database says are pending are sent, each at most once: its
    row is locked while sending and marked sent in that same transaction; a
    plan of a rep who left is canceled instead. A failed send is recorded on
    its row with the next attempt after a backoff (the sweeper re-drives it),
    and after the attempt cap it stays `failed`.
    """
    plan = DailyPlan.objects.select_related("rep").filter(pk=plan_id).first()
    if plan is None:  # deleted since it was enqueued
        return {}
    return _owner_deliver(plan, now)


def trigger_deliver(*, trigger_id: int, now: dt.datetime) -> dict[str, str]:
    """Send a triggered refresher's pending deliveries, as `plan_deliver` does."""
    trigger = PromptTrigger.objects.select_related("rep").filter(pk=trigger_id).first()
    if trigger is None:
        return {}
    return _owner_deliver(trigger, now)


def _owner_deliver(owner: DailyPlan | PromptTrigger, now: dt.datetime) -> dict:
    if not reps_active().filter(user_id=owner.rep_id).exists():
        # The rep left after this task was enqueued: nothing goes out.
        owner.deliveries.filter(status=Delivery.Status.PENDING).update(
            status=Delivery.Status.CANCELED,
            next_attempt_at=None,
            last_error="the rep left",
            updated_at=now,
        )
        return dict(owner.deliveries.values_list("channel", "status"))
    prompts = list(
        owner.prompts.exclude(status=Prompt.Status.WITHDRAWN)
        .select_related("question__topic")
        .order_by("position")
    )
    for delivery_id in _deliveries_claim(owner, now):
        _deliver_channel(delivery_id, owner, prompts, now)
    return dict(owner.deliveries.values_list("channel", "status"))


def _deliveries_claim(owner: DailyPlan | PromptTrigger, now: dt.datetime) -> list[int]:
    """Count an attempt on each pending row of the plan and give it a lease.

    Committed before sending, so a task that dies mid-send still counts
    towards the cap and its row waits only the lease. A row already at the
    cap fails here instead of being sent again.
    """
    lease = dt.timedelta(seconds=settings.REINFORCEMENT_DELIVERY_LEASE_SECONDS)
    cap = settings.REINFORCEMENT_DELIVERY_MAX_ATTEMPTS
    with transaction.atomic():
        rows = list(
            owner.deliveries.select_for_update(skip_locked=True)
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
    return [row.pk for row in rows if row.status == Delivery.Status.PENDING]


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
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().get(pk=delivery_id)
        if delivery.status != Delivery.Status.PENDING:
            return delivery.status  # another task sent it, or it failed for good
        try:
            SENDERS[delivery.channel](plan, prompts)
        except DeliveryTransientError as exc:
            _record_failure(delivery, str(exc), now)
        else:
            delivery.status = Delivery.Status.SENT
            delivery.sent_at = now
            delivery.next_attempt_at = None
            delivery.last_error = ""
            if delivery.channel == Delivery.Channel.INBOX:
                # The inbox is the prompts themselves: they show as delivered.
                plan.prompts.filter(status=Prompt.Status.PLANNED).update(
                    status=Prompt.Status.DELIVERED, delivered_at=now
                )
        delivery.save()
    # Counted once committed: "pending" is a failed send the sweeper retries.
    metrics.delivery_counted(channel=delivery.channel, outcome=delivery.status)
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


def deliveries_resend(*, delivery_ids: Iterable[int], now: dt.datetime) -> int:
    """Put failed deliveries back to pending with attempts reset; returns how many.

    Only rows still failed move (a sent or pending row is left alone), due
    now, so the next sweep sends them with the full attempt budget again.
    Callers pass ids already scoped to the user's organization.
    """
    count = Delivery.objects.filter(
        pk__in=list(delivery_ids), status=Delivery.Status.FAILED
    ).update(
        status=Delivery.Status.PENDING, attempts=0, next_attempt_at=now, updated_at=now
    )
    logger.info("%s failed deliveries put back to pending", count)
    return count
