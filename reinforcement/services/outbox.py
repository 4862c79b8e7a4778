"""Send reminders and digests at most once: the delivery outbox, for one-row messages.

The same mechanics as `services/delivery.py` (docs/reliability.md): a row is
written pending in the transaction that decides to send it; a claim counts
an attempt and gives the row a lease in its own commit, so a task that dies
mid-send still counts and its row waits only the lease; the send runs under
the row lock and the row is marked sent in that transaction. The one window
left is the one every SMTP or webhook send has: a crash after the send and
before its commit sends that message a second time.
"""

import datetime as dt
import logging
from collections.abc import Callable

from django.conf import settings
from django.db import transaction
from django.db.models import F

from reinforcement.models import OutboxMessage
from reinforcement.services.delivery import BACKOFF_MAX_SECONDS, DeliveryTransientError

logger = logging.getLogger(__name__)

# Rows one dispatch run claims; a larger backlog drains over the next runs.
CLAIM_BATCH = 2000


def outbox_claim(
    model: type[OutboxMessage], *, now: dt.datetime, limit: int = CLAIM_BATCH
) -> list[int]:
    """Count an attempt on each due pending row and lease it; returns their ids.

    `skip_locked` leaves rows being sent right now to their sender; a row
    whose lease ran out (a lost enqueue, a dead task) is due again.
    """
    lease = dt.timedelta(seconds=settings.REINFORCEMENT_DELIVERY_LEASE_SECONDS)
    due = model.objects.filter(
        status=OutboxMessage.Status.PENDING, next_attempt_at__lte=now
    ).order_by("next_attempt_at")
    if not due.exists():  # the usual case, without a transaction
        return []
    with transaction.atomic():
        ids = list(
            due.select_for_update(skip_locked=True).values_list("pk", flat=True)[:limit]
        )
        model.objects.filter(pk__in=ids).update(
            attempts=F("attempts") + 1, next_attempt_at=now + lease, updated_at=now
        )
    return ids


def outbox_send(
    model: type[OutboxMessage],
    *,
    pk: int,
    now: dt.datetime,
    send: Callable[[OutboxMessage], None],
    cancel_reason: Callable[[OutboxMessage], str | None],
) -> str:
    """Send one pending row under its lock, once; returns its status afterwards.

    ``cancel_reason`` says why the message is no longer wanted (answered
    meanwhile, past working hours, the channel turned off) and cancels it
    instead; ``send`` raises DeliveryTransientError for a failure worth
    retrying, recorded with a backoff. Past the attempt cap a row fails.
    """
    with transaction.atomic():
        row = model.objects.select_for_update().filter(pk=pk).first()
        if row is None or row.status != OutboxMessage.Status.PENDING:
            return row.status if row else ""
        reason = cancel_reason(row)
        if reason is not None:
            row.status, row.last_error = OutboxMessage.Status.CANCELED, reason
            row.next_attempt_at = None
        elif row.attempts > settings.REINFORCEMENT_DELIVERY_MAX_ATTEMPTS:
            row.status = OutboxMessage.Status.FAILED
            row.last_error = (
                row.last_error or f"no send finished in {row.attempts - 1} attempts"
            )
            row.next_attempt_at = None
        else:
            try:
                send(row)
            except DeliveryTransientError as exc:
                _failure_record(row, str(exc), now)
            else:
                row.status, row.sent_at, row.last_error = (
                    OutboxMessage.Status.SENT,
                    now,
                    "",
                )
                row.next_attempt_at = None
        row.save()
    return row.status


def _failure_record(row: OutboxMessage, error: str, now: dt.datetime) -> None:
    row.last_error = error[:2000]
    if row.attempts >= settings.REINFORCEMENT_DELIVERY_MAX_ATTEMPTS:
        row.status, row.next_attempt_at = OutboxMessage.Status.FAILED, None
        logger.error("%s %s failed for good: %s", type(row).__name__, row.pk, error)
        return
    backoff = settings.REINFORCEMENT_DELIVERY_BACKOFF_SECONDS * 2 ** (row.attempts - 1)
    row.next_attempt_at = now + dt.timedelta(seconds=min(backoff, BACKOFF_MAX_SECONDS))
    logger.warning(
        "%s %s attempt %s failed: %s", type(row).__name__, row.pk, row.attempts, error
    )
