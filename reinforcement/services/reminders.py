"""Nudge a rep once when today's dose is untouched at their organization's hour.

Reminders go through the outbox (`services/outbox.py`): the dispatcher writes
one pending row per rep and local day (a unique key, so a second dispatcher
or a rerun writes nothing), claims the due ones and the task sends each under
its lock. A row left pending by a dead worker or a broker outage is claimed
again by a later run once its lease has passed; by then it may be past the
rep's working hours, and is canceled instead of sent at night.
"""

import datetime as dt

from django.utils.translation import ngettext

from core.slack import SlackPostError, slack_post
from enablement.models import RepProfile
from reinforcement.models import Delivery, Reminder
from reinforcement.selectors.reminders import (
    reminder_cancel_reason,
    reminder_prompts,
    reminders_due,
)
from reinforcement.services.delivery import DeliveryTransientError
from reinforcement.services.email_messages import dose_email, site_url
from reinforcement.services.outbox import outbox_claim, outbox_send


def reminders_dispatch(*, now: dt.datetime) -> list[int]:
    """Write the reminders due now and claim every pending one; returns ids to send."""
    due = reminders_due(now=now)
    if due:
        Reminder.objects.bulk_create(
            [
                Reminder(
                    rep_id=d.rep_id,
                    local_date=d.local_date,
                    plan_id=d.plan_id,
                    channel=d.channel,
                    next_attempt_at=now,
                )
                for d in due
            ],
            ignore_conflicts=True,  # another dispatcher wrote it first
        )
    return outbox_claim(Reminder, now=now)


def reminder_send(*, reminder_id: int, now: dt.datetime) -> str:
    """Send one reminder at most once, or cancel it if no longer wanted; its status."""

    def send(reminder: Reminder) -> None:
        prompts = reminder_prompts(reminder=reminder, now=now)
        SENDERS[reminder.channel](reminder, prompts)

    return outbox_send(
        Reminder,
        pk=reminder_id,
        now=now,
        send=send,
        cancel_reason=lambda reminder: reminder_cancel_reason(
            reminder=reminder, now=now
        ),
    )


def _send_email(reminder: Reminder, prompts) -> None:
    try:
        dose_email(rep=reminder.rep, prompts=prompts, reminder=True).send()
    except OSError as exc:  # SMTP and socket errors
        raise DeliveryTransientError(f"email: {exc}") from exc


def _send_slack(reminder: Reminder, prompts) -> None:
    profile = RepProfile.objects.select_related("team", "user").get(
        user_id=reminder.rep_id
    )
    name = profile.user.get_full_name() or profile.user.get_username()
    waiting = ngettext(
        "your question for today is still waiting",
        "your %(n)d questions for today are still waiting",
        len(prompts),
    ) % {"n": len(prompts)}
    try:
        slack_post(
            url=profile.team.slack_webhook_url,
            text=f"{name}: {waiting}. <{site_url('rep:today')}|Answer now>",
        )
    except SlackPostError as exc:
        raise DeliveryTransientError(f"slack: {exc}") from exc


SENDERS = {
    Delivery.Channel.EMAIL: _send_email,
    Delivery.Channel.SLACK: _send_slack,
}
