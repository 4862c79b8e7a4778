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
from django.db.models import Count

from reinforcement.models import (
    DailyPlan,
    Delivery,
    PromptTrigger,
    PushSubscription,
)
from reinforcement.selectors.deliveries import deliveries_due
from reinforcement.services.delivery_send import (  # noqa: F401 (re-exported)
    BACKOFF_MAX_SECONDS,
    SENDERS,
    DeliveryTransientError,
    owners_deliver,
)
from reinforcement.services.web_push import web_push_enabled

logger = logging.getLogger(__name__)

# Deliveries one sweep claims: about 2,500 plans, a few seconds of enqueueing;
# a larger backlog drains over the next runs.
SWEEP_BATCH = 5000


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
    owners_deliver([plan], now)
    return dict(plan.deliveries.values_list("channel", "status"))


def triggers_deliver(*, trigger_ids: list[int], now: dt.datetime) -> dict[str, int]:
    """Send a batch of triggered refreshers' pending deliveries, as `plan_deliver`
    sends a plan's; returns the batch's Delivery rows per status afterwards.

    Cost: about a dozen queries for the whole batch (triggers, active reps, the
    other channels' rows and prompts, the inbox claim, then the inbox rows and
    their prompts marked in one transaction), plus a claim and a send
    transaction per email, Slack, Teams or push row. A batch run twice (a
    retried task, the sweeper's copy) sends nothing twice: every row is
    re-checked under its lock.
    """
    triggers = list(
        PromptTrigger.objects.select_related("rep")
        .filter(pk__in=trigger_ids)
        .order_by("pk")
    )
    owners_deliver(triggers, now)
    rows = Delivery.objects.filter(trigger_id__in=[t.pk for t in triggers])
    return dict(rows.values_list("status").annotate(n=Count("pk")).order_by())


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
