"""Email each frontline manager a digest of last week, once per manager per week.

On Mondays from REINFORCEMENT_DIGEST_HOUR (UTC) the dispatcher writes one
pending ManagerDigest row per manager for the week just ended (a unique key
per manager and week, so reruns and a second beat write nothing), then
claims the due rows for the task to send through the outbox
(`services/outbox.py`). The content is read at send time, from the rollups.
"""

import datetime as dt

from django.conf import settings
from django.contrib.auth import get_user_model

from reinforcement.kpi_rules import week_start
from reinforcement.models import ManagerDigest
from reinforcement.selectors.digests import digest_managers, manager_digest_content
from reinforcement.services.delivery import DeliveryTransientError
from reinforcement.services.email_messages import digest_email
from reinforcement.services.outbox import outbox_claim, outbox_send

MONDAY = 0


def digest_week(*, now: dt.datetime) -> dt.date:
    """The Monday of the last complete week (UTC)."""
    return week_start(now.date()) - dt.timedelta(days=7)


def digests_dispatch(*, now: dt.datetime) -> list[int]:
    """Write last week's digests (Mondays, from the digest hour) and claim due ones."""
    if now.weekday() == MONDAY and now.hour >= settings.REINFORCEMENT_DIGEST_HOUR:
        week = digest_week(now=now)
        ManagerDigest.objects.bulk_create(
            [
                ManagerDigest(manager_id=pk, week=week, next_attempt_at=now)
                for pk in digest_managers().values_list("pk", flat=True)
            ],
            ignore_conflicts=True,  # already written this week
        )
    return outbox_claim(ManagerDigest, now=now)


def digest_send(*, digest_id: int, now: dt.datetime) -> str:
    """Send one manager's digest at most once, or cancel it; returns its status."""
    content = {}

    def cancel_reason(digest: ManagerDigest) -> str | None:
        manager = get_user_model().objects.filter(pk=digest.manager_id).first()
        if manager is None or not digest_managers().filter(pk=manager.pk).exists():
            return "no longer a manager"
        content["manager"] = manager
        content["digest"] = manager_digest_content(
            manager=manager, week=digest.week, now=now
        )
        return None if content["digest"] is not None else "manages no team"

    def send(digest: ManagerDigest) -> None:
        try:
            digest_email(manager=content["manager"], digest=content["digest"]).send()
        except OSError as exc:  # SMTP and socket errors
            raise DeliveryTransientError(f"email: {exc}") from exc

    return outbox_send(
        ManagerDigest,
        pk=digest_id,
        now=now,
        send=send,
        cancel_reason=cancel_reason,
    )
