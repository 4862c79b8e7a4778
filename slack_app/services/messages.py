"""Posting prompts as direct messages: the daily dose and a refresher's set."""

import datetime as dt
import logging

from django.utils import timezone
from django.utils.translation import gettext as _
from slack_sdk.errors import SlackApiError, SlackClientError

from reinforcement.models import DailyPlan, Prompt, PromptTrigger
from reinforcement.selectors.prompts import prompts_with_question
from reinforcement.services.delivery import DeliveryTransientError
from slack_app.blocks import prompt_fallback_text, prompt_open_blocks
from slack_app.client import installation_client
from slack_app.models import SlackMember, SlackMessage
from slack_app.selectors import installation_for_rep
from slack_app.services.members import member_dm_channel

logger = logging.getLogger(__name__)

SLACK_ERRORS = (SlackApiError, SlackClientError, OSError)


def prompt_heading(*, prompt: Prompt, position: int, count: int) -> str:
    """'Question 2 of 3', or 'Refresher 2 of 5' for a refresher's prompt."""
    if prompt.source == Prompt.Source.REFRESHER:
        return _("Refresher %(n)d of %(count)d") % {"n": position, "count": count}
    return _("Question %(n)d of %(count)d") % {"n": position, "count": count}


def slack_prompts_post(
    *, member: SlackMember, prompt_ids: list, today: dt.date, now: dt.datetime
) -> int:
    """Post each prompt not yet posted as its own direct message; returns how many.

    Each posted message is recorded at once (SlackMessage), so a send that
    fails half-way and is retried posts only the rest. Raises Slack's errors.
    """
    client = installation_client(member.installation)
    channel = member_dm_channel(client=client, member=member)
    order = {str(pk): i for i, pk in enumerate(prompt_ids)}
    prompts = sorted(
        prompts_with_question(Prompt.objects.filter(pk__in=prompt_ids)),
        key=lambda p: order[str(p.pk)],
    )
    posted = set(
        SlackMessage.objects.filter(prompt_id__in=prompt_ids).values_list(
            "prompt_id", flat=True
        )
    )
    sent = 0
    for position, prompt in enumerate(prompts, start=1):
        if prompt.pk in posted:
            continue
        heading = prompt_heading(prompt=prompt, position=position, count=len(prompts))
        response = client.chat_postMessage(
            channel=channel,
            text=prompt_fallback_text(prompt=prompt),
            blocks=prompt_open_blocks(prompt=prompt, heading=heading, today=today),
        )
        SlackMessage.objects.create(
            prompt=prompt,
            member=member,
            channel_id=response["channel"],
            ts=response["ts"],
            posted_at=now,
        )
        sent += 1
    return sent


def slack_dose_send(plan: DailyPlan | PromptTrigger, prompts: list[Prompt]) -> bool:
    """The Slack delivery of a plan or a triggered refresher as direct
    messages; False if the rep's organization has no installation (the team's
    webhook is used instead).

    The outbox's sender signature (plan and prompts, positional), so the
    posting time is read here. Raises DeliveryTransientError when Slack fails or the rep has no Slack
    user any more, so the outbox retries and, in the end, shows it failed.
    """
    installation = installation_for_rep(rep_id=plan.rep_id)
    if installation is None:
        return False
    member = (
        SlackMember.objects.select_related("installation")
        .filter(installation=installation, rep_id=plan.rep_id)
        .exclude(slack_user_id="")
        .first()
    )
    if member is None:
        raise DeliveryTransientError(
            "slack: the rep has no Slack user in the workspace (see Slack members)"
        )
    try:
        slack_prompts_post(
            member=member,
            prompt_ids=[p.pk for p in prompts],
            today=plan.local_date,
            now=timezone.now(),
        )
    except SLACK_ERRORS as exc:
        raise DeliveryTransientError(f"slack: {_slack_error(exc)}") from exc
    return True


def _slack_error(exc: Exception) -> str:
    if isinstance(exc, SlackApiError):
        return str(exc.response.get("error"))
    return str(exc)
