"""Celery tasks of enablement: a thin interface that takes ids and calls one service."""

from celery import shared_task
from django.db import OperationalError
from django.utils import timezone


# The row records the send, so a retry after a dropped connection is safe;
# failed SMTP sends are retried by the sweeper, not by broker countdowns.
@shared_task(
    soft_time_limit=60,
    time_limit=90,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=5,
)
def account_email_deliver_task(*, email_id: int) -> str:
    """Send one pending invitation or password-reset email, at most once."""
    from enablement.services.invitations import account_email_deliver

    return account_email_deliver(email_id=email_id, now=timezone.now())


@shared_task(soft_time_limit=45, time_limit=55)
def account_emails_sweep_task() -> int:
    """Re-enqueue invitation and reset emails left pending; returns how many.

    Cost: one indexed read of at most SWEEP_BATCH due rows, one publish each.
    """
    from enablement.services.invitations import (
        account_email_enqueue,
        account_emails_sweep,
    )

    ids = account_emails_sweep(now=timezone.now())
    for email_id in ids:
        account_email_enqueue(email_id)
    return len(ids)
