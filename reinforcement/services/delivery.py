"""Send a day's plan through the in-app inbox, email and Slack, each at most once."""

import datetime as dt
import json
import urllib.error
import urllib.request

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import ngettext

from enablement.models import RepProfile
from ops import metrics
from reinforcement.models import DailyPlan, Delivery, Prompt

SLACK_TIMEOUT_SECONDS = 5


class DeliveryTransientError(Exception):
    """A channel failed in a way worth retrying (network, SMTP, 5xx)."""


def plan_channels(*, plan: DailyPlan) -> list[str]:
    profile = RepProfile.objects.select_related("team__organization").get(
        user_id=plan.rep_id
    )
    organization = profile.team.organization
    channels = [Delivery.Channel.INBOX]
    if organization.email_delivery and plan.rep.email:
        channels.append(Delivery.Channel.EMAIL)
    if organization.slack_delivery and profile.team.slack_webhook_url:
        channels.append(Delivery.Channel.SLACK)
    return channels


def plan_deliver(*, plan_id: int, now: dt.datetime) -> dict[str, str]:
    """Deliver a plan on every channel not yet sent; returns each channel's status.

    Each channel's Delivery row is unique per plan and locked while sending, so a
    retried or duplicated task never sends a channel twice. A failing channel
    raises DeliveryTransientError after the others were attempted.
    """
    plan = DailyPlan.objects.select_related("rep").get(pk=plan_id)
    prompts = list(plan.prompts.select_related("question__topic").order_by("position"))
    if not prompts:
        return {}
    for channel in plan_channels(plan=plan):
        Delivery.objects.get_or_create(plan=plan, channel=channel)
    statuses: dict[str, str] = {}
    failures = []
    for delivery_id, channel in plan.deliveries.values_list("id", "channel"):
        try:
            statuses[channel] = _deliver_channel(delivery_id, plan, prompts, now)
        except DeliveryTransientError as exc:
            statuses[channel] = Delivery.Status.FAILED
            failures.append(f"{channel}: {exc}")
    Prompt.objects.filter(plan=plan, status=Prompt.Status.PLANNED).update(
        status=Prompt.Status.DELIVERED, delivered_at=now
    )
    if failures:
        raise DeliveryTransientError("; ".join(failures))
    return statuses


def _deliver_channel(
    delivery_id: int, plan: DailyPlan, prompts: list[Prompt], now
) -> str:
    """Send one channel under its row lock; the failure is recorded, then re-raised."""
    failure: DeliveryTransientError | None = None
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().get(pk=delivery_id)
        if delivery.status == Delivery.Status.SENT:
            return delivery.status
        delivery.attempts += 1
        try:
            SENDERS[delivery.channel](plan, prompts)
        except DeliveryTransientError as exc:
            failure = exc
            delivery.status = Delivery.Status.FAILED
            delivery.last_error = str(exc)[:2000]
        else:
            delivery.status = Delivery.Status.SENT
            delivery.sent_at = now
            delivery.last_error = ""
        delivery.save()
    metrics.delivery_counted(channel=delivery.channel, outcome=delivery.status)
    if failure is not None:
        raise failure
    return delivery.status


def _today_url() -> str:
    return settings.SITE_URL.rstrip("/") + reverse("rep:today")


def _dose_title(count: int) -> str:
    return ngettext(
        "Your question for today", "Your %(n)d questions for today", count
    ) % {"n": count}


def _send_inbox(plan: DailyPlan, prompts: list[Prompt]) -> None:
    # The inbox is the prompts themselves; delivering makes them visible as delivered.
    return None


def _send_email(plan: DailyPlan, prompts: list[Prompt]) -> None:
    context = {"rep": plan.rep, "prompts": prompts, "url": _today_url(), "plan": plan}
    try:
        send_mail(
            subject=ngettext(
                "Your question for today",
                "Your %(n)d questions for today",
                len(prompts),
            )
            % {"n": len(prompts)},
            message=render_to_string("reinforcement/email/daily_dose.txt", context),
            from_email=None,
            recipient_list=[plan.rep.email],
        )
    except OSError as exc:  # SMTP and socket errors
        raise DeliveryTransientError(f"email: {exc}") from exc


def _send_slack(plan: DailyPlan, prompts: list[Prompt]) -> None:
    profile = RepProfile.objects.select_related("team").get(user_id=plan.rep_id)
    text = (
        f"{plan.rep.get_full_name() or plan.rep.get_username()}: {_dose_title(len(prompts))} "
        f"({', '.join(sorted({p.question.topic.name for p in prompts}))}). "
        f"<{_today_url()}|Answer now>"
    )
    request = urllib.request.Request(
        profile.team.slack_webhook_url,
        data=json.dumps({"text": text}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=SLACK_TIMEOUT_SECONDS) as response:
            if response.status >= 300:
                raise DeliveryTransientError(f"slack: HTTP {response.status}")
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise DeliveryTransientError(f"slack: {exc}") from exc


SENDERS = {
    Delivery.Channel.INBOX: _send_inbox,
    Delivery.Channel.EMAIL: _send_email,
    Delivery.Channel.SLACK: _send_slack,
}
