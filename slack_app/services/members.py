"""Reps and their Slack users: matched by email (users.lookupByEmail)."""

import datetime as dt
import logging

from django.db import IntegrityError, transaction
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from slack_app.client import installation_client
from slack_app.models import SlackInstallation, SlackMember
from slack_app.selectors import reps_to_match

logger = logging.getLogger(__name__)

# lookupByEmail's "nobody has this email" answer.
NOT_FOUND = "users_not_found"


def slack_members_match(
    *,
    installation: SlackInstallation,
    now: dt.datetime,
    rep_ids: list[int] | None = None,
) -> tuple[int, int]:
    """Look up each unmatched rep's email in the workspace; returns (matched, unmatched).

    A rep found gets their Slack user id; one not found (or whose lookup
    failed) keeps a row with the reason, which admin lists as unmatched.
    One call per rep: slack-sdk waits out a rate limit once, and a rep left
    over by a failure is looked up again by the next run.
    """
    client = installation_client(installation)
    matched = unmatched = 0
    for profile in reps_to_match(installation=installation, rep_ids=rep_ids):
        slack_user_id, error = _lookup(client, profile.user.email)
        if not _member_write(installation, profile.user_id, slack_user_id, error, now):
            slack_user_id = ""
        if slack_user_id:
            matched += 1
        else:
            unmatched += 1
    logger.info(
        "slack match of %s: %s matched, %s unmatched",
        installation.pk,
        matched,
        unmatched,
    )
    return matched, unmatched


def _lookup(client: WebClient, email: str) -> tuple[str, str]:
    if not email:
        return "", "the rep has no email address"
    try:
        user = client.users_lookupByEmail(email=email)["user"]
    except SlackApiError as exc:
        error = exc.response.get("error") or "error"
        return "", "no Slack user has this email" if error == NOT_FOUND else error
    except (SlackClientError, OSError) as exc:
        return "", f"Slack could not be reached: {exc}"[:200]
    if user.get("deleted") or user.get("is_bot"):
        return "", "the Slack user with this email is deactivated or a bot"
    return user["id"], ""


def _member_write(
    installation: SlackInstallation,
    rep_id: int,
    slack_user_id: str,
    error: str,
    now: dt.datetime,
) -> bool:
    """Store the outcome; False if the Slack user is another rep's already."""
    try:
        with transaction.atomic():
            SlackMember.objects.update_or_create(
                rep_id=rep_id,
                defaults={
                    "installation": installation,
                    "slack_user_id": slack_user_id,
                    "dm_channel_id": "",
                    "error": error[:200],
                    "checked_at": now,
                },
            )
    except IntegrityError:
        SlackMember.objects.update_or_create(
            rep_id=rep_id,
            defaults={
                "installation": installation,
                "slack_user_id": "",
                "dm_channel_id": "",
                "error": "this Slack user is matched to another rep",
                "checked_at": now,
            },
        )
        return False
    return True


def member_dm_channel(*, client: WebClient, member: SlackMember) -> str:
    """The direct message channel with the rep (conversations.open), kept on the row."""
    if not member.dm_channel_id:
        channel = client.conversations_open(users=member.slack_user_id)["channel"]
        member.dm_channel_id = channel["id"]
        member.save(update_fields=["dm_channel_id", "updated_at"])
    return member.dm_channel_id
