"""Reads of the delivery outbox: what is due for the sweeper, and what is where."""

import datetime as dt

from django.db.models import Count, QuerySet

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
