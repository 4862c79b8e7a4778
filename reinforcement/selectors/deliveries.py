"""Reads of the delivery outbox: what is due for the sweeper, and what is where."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, F, Min, Q, QuerySet
from django.db.models.functions import Coalesce

from reinforcement.models import Delivery


def deliveries_due(*, now: dt.datetime) -> QuerySet[Delivery]:
    """Pending deliveries whose next attempt is due, the longest-waiting first.

    Served by the partial index on pending rows (`delivery_pending_due`).
    """
    return Delivery.objects.filter(
        status=Delivery.Status.PENDING, next_attempt_at__lte=now
    ).order_by("next_attempt_at")


def delivery_status_counts() -> dict[tuple[str, str], int]:
    """The number of deliveries per (channel, status)."""
    rows = Delivery.objects.values_list("channel", "status").annotate(n=Count("id"))
    return {(channel, status): n for channel, status, n in rows}


@dataclass(frozen=True)
class DeliveryDayCounts:
    """One local day and channel of an organization's deliveries."""

    local_date: dt.date
    channel: str
    sent: int
    pending: int
    failed: int
    canceled: int
    oldest_pending_at: dt.datetime | None  # created_at of the longest-waiting row


HEALTH_DAYS = 14


def _organization_deliveries(
    organization_id: int, *, since: dt.date
) -> QuerySet[Delivery]:
    """A plan's and a triggered refresher's deliveries, by the rep's local
    date of the plan or the refresher (``day``), from the day after ``since``."""
    # No upper bound: a rep east of the server may already be on tomorrow.
    # Two ORed subqueries keep each branch on its own index.
    plans = Delivery.objects.filter(
        plan__rep__rep_profile__team__organization_id=organization_id,
        plan__local_date__gt=since,
    ).values("pk")
    triggers = Delivery.objects.filter(
        trigger__rep__rep_profile__team__organization_id=organization_id,
        trigger__local_date__gt=since,
    ).values("pk")
    return Delivery.objects.filter(Q(pk__in=plans) | Q(pk__in=triggers)).annotate(
        day=Coalesce(F("plan__local_date"), F("trigger__local_date"))
    )


def delivery_health(
    *, organization_id: int, today: dt.date, days: int = HEALTH_DAYS
) -> list[DeliveryDayCounts]:
    """Per day (the rep's local date of the plan or of the deal's refresher)
    and channel, the last `days` days, newest first: how many deliveries are
    sent, pending, failed and canceled.

    One grouped query over the organization's rows of those days.
    """
    status = Delivery.Status
    rows = (
        _organization_deliveries(organization_id, since=today - dt.timedelta(days=days))
        .values("day", "channel")
        .annotate(
            sent=Count("id", filter=Q(status=status.SENT)),
            pending=Count("id", filter=Q(status=status.PENDING)),
            failed=Count("id", filter=Q(status=status.FAILED)),
            canceled=Count("id", filter=Q(status=status.CANCELED)),
            oldest_pending_at=Min("created_at", filter=Q(status=status.PENDING)),
        )
        .order_by("-day", "channel")
    )
    return [
        DeliveryDayCounts(
            local_date=row["day"],
            channel=row["channel"],
            sent=row["sent"],
            pending=row["pending"],
            failed=row["failed"],
            canceled=row["canceled"],
            oldest_pending_at=row["oldest_pending_at"],
        )
        for row in rows
    ]


def deliveries_failed(
    *, organization_id: int, today: dt.date, days: int = HEALTH_DAYS
) -> QuerySet[Delivery]:
    """The organization's failed deliveries of the last `days` days, newest day
    first, with their rep (for the health page's list and its "Resend failed")."""
    return (
        _organization_deliveries(organization_id, since=today - dt.timedelta(days=days))
        .filter(status=Delivery.Status.FAILED)
        .select_related("plan__rep", "trigger__rep")
        .order_by("-day", "channel", "pk")
    )
