"""The senders of each delivery channel: one call sends one plan's (or one
triggered refresher's) prompts on that channel, raising
``DeliveryTransientError`` for a failure worth retrying. The outbox that calls
them is ``reinforcement/services/delivery_send.py``.
"""

import logging
import smtplib
from collections.abc import Callable
from dataclasses import dataclass

import requests
from django.conf import settings
from django.urls import reverse
from django.utils.translation import ngettext
from pywebpush import WebPushException

from core.slack import SlackPostError, slack_post
from core.teams import TeamsPostError, teams_post
from enablement.models import RepProfile
from reinforcement.models import DailyPlan, Delivery, Prompt, PromptTrigger
from reinforcement.services.email_messages import dose_email
from reinforcement.services.teams_cards import dose_card
from reinforcement.services.web_push import push_to_rep

logger = logging.getLogger(__name__)


class DeliveryTransientError(Exception):
    """A channel failed in a way worth retrying (network, SMTP, 5xx)."""


class DeliveryServerDown(DeliveryTransientError):
    """The channel's one server could not be reached or timed out (not one
    recipient's refusal): every send on it now would wait and fail alike."""


# The SMTP failures of the server itself, not of one message or recipient.
SMTP_SERVER_DOWN = (
    TimeoutError,
    ConnectionError,
    smtplib.SMTPConnectError,
    smtplib.SMTPServerDisconnected,
)


@dataclass(frozen=True)
class SlackDirectMessages:
    """Slack direct messages, registered by the app that sends them (slack_app),
    so nothing here imports it.

    ``routes(rep_ids)``: for reps of organizations with the app installed,
    whether each has a Slack user (reps of other organizations are absent);
    ``send(owner, prompts)``: send a plan's or a triggered refresher's prompts
    as direct messages, False if the rep's organization has no installation;
    raises DeliveryTransientError.
    """

    routes: Callable[[list[int]], dict[int, bool]]
    send: Callable[[DailyPlan | PromptTrigger, list[Prompt]], bool]


_slack_direct: list[SlackDirectMessages] = []


def slack_direct_messages_register(channel: SlackDirectMessages) -> None:
    """Send Slack deliveries of installed organizations through channel (once)."""
    _slack_direct[:] = [channel]


def slack_direct_routes(*, rep_ids: list[int]) -> dict[int, bool]:
    """Reps of organizations with the Slack app: whether each has a Slack user."""
    return _slack_direct[0].routes(rep_ids) if _slack_direct else {}


def _today_url() -> str:
    return settings.SITE_URL.rstrip("/") + reverse("rep:today")


def _dose_title(count: int) -> str:
    return ngettext(
        "Your question for today", "Your %(n)d questions for today", count
    ) % {"n": count}


def _title(plan: DailyPlan | PromptTrigger, count: int) -> str:
    # A triggered refresher is named by its trigger ("Refresher for Acme ...").
    label = getattr(plan, "label", "")
    return label or _dose_title(count)


def _send_email(plan: DailyPlan | PromptTrigger, prompts: list[Prompt]) -> None:
    try:
        dose_email(
            rep=plan.rep, prompts=prompts, label=getattr(plan, "label", "")
        ).send()
    except SMTP_SERVER_DOWN as exc:
        raise DeliveryServerDown(f"email: {exc or type(exc).__name__}") from exc
    except OSError as exc:  # SMTP and socket errors
        raise DeliveryTransientError(f"email: {exc}") from exc


def _send_slack(plan: DailyPlan | PromptTrigger, prompts: list[Prompt]) -> None:
    # With the organization's Slack app, a day's plan and a triggered
    # refresher both go as direct messages (the rep's deal is nobody else's
    # business); without it, to the team's webhook.
    if _slack_direct and _slack_direct[0].send(plan, prompts):
        return  # sent as direct messages by the organization's Slack app
    profile = RepProfile.objects.select_related("team").get(user_id=plan.rep_id)
    text = (
        f"{plan.rep.get_full_name() or plan.rep.get_username()}: {_title(plan, len(prompts))} "
        f"({', '.join(sorted({p.question.topic.name for p in prompts}))}). "
        f"<{_today_url()}|Answer now>"
    )
    try:
        slack_post(url=profile.team.slack_webhook_url, text=text)
    except SlackPostError as exc:
        raise DeliveryTransientError(f"slack: {exc}") from exc


def _send_push(plan: DailyPlan, prompts: list[Prompt]) -> None:
    topics = ", ".join(sorted({p.question.topic.name for p in prompts}))
    try:
        push_to_rep(
            rep_id=plan.rep_id, title=_dose_title(len(prompts)), body=topics,
            url=_today_url(),
        )  # fmt: skip
    except (WebPushException, requests.RequestException) as exc:
        raise DeliveryTransientError(f"push: {exc}") from exc


def _send_teams(plan: DailyPlan, prompts: list[Prompt]) -> None:
    profile = RepProfile.objects.select_related("team").get(user_id=plan.rep_id)
    message = dose_card(
        rep_name=plan.rep.get_full_name() or plan.rep.get_username(),
        prompts=prompts,
        today_url=_today_url(),
    )
    try:
        teams_post(url=profile.team.teams_webhook_url, message=message)
    except TeamsPostError as exc:
        raise DeliveryTransientError(f"teams: {exc}") from exc


# The channels sent outside the database. The inbox is the prompts themselves:
# the outbox marks its rows sent and their prompts delivered in one transaction.
SENDERS = {
    Delivery.Channel.EMAIL: _send_email,
    Delivery.Channel.SLACK: _send_slack,
    Delivery.Channel.PUSH: _send_push,
    Delivery.Channel.TEAMS: _send_teams,
}
