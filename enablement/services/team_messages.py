""" "Send test message" for a team: one email to the asking admin, one Slack post,
one Teams card.

The admin checks a channel's set-up before reps depend on it. Email goes
through Django's mail (the backend daily doses use); Slack through
`core.slack.slack_post` and Teams through `core.teams.teams_post`, the same
calls the channels make. A failure is
an ApplicationError carrying the transport's own error text, to show as it is.
"""

import logging

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.mail import send_mail
from django.utils.translation import gettext as _

from core.errors import ApplicationError
from core.slack import SlackPostError, slack_post
from core.teams import TeamsPostError, adaptive_card_message, teams_post
from enablement.models import Team

logger = logging.getLogger(__name__)

CHANNELS = ("email", "slack", "teams")


class TestMessageFailed(ApplicationError):
    """The channel refused or could not be reached; message holds its error."""


def team_test_message_send(*, team: Team, channel: str, user: AbstractBaseUser) -> str:
    """Send a test on channel ("email", "slack" or "teams") for team; returns where.

    Raises TestMessageFailed with the exact error when nothing could be sent.
    """
    if channel == "email":
        return _test_email(team, user)
    if channel == "slack":
        return _test_slack(team, user)
    if channel == "teams":
        return _test_teams(team, user)
    raise TestMessageFailed("invalid_channel", _("Unknown channel: %s") % channel)


def _test_email(team: Team, user: AbstractBaseUser) -> str:
    if not user.email:
        raise TestMessageFailed(
            "no_email", _("Your account has no email address to send the test to.")
        )
    try:
        send_mail(
            subject=_("Test message for %(team)s") % {"team": team.name},
            message=_(
                "This is a test from the reinforcement service: email delivery to "
                "the reps of %(team)s (%(organization)s) uses this same mail set-up."
            )
            % {"team": team.name, "organization": team.organization.name},
            from_email=None,
            recipient_list=[user.email],
        )
    except (OSError, ValueError) as exc:  # SMTP, socket and header errors
        logger.warning("test email for team %s failed: %s", team.pk, exc)
        raise TestMessageFailed("email_failed", f"email: {exc}") from exc
    return user.email


def _test_slack(team: Team, user: AbstractBaseUser) -> str:
    if not team.slack_webhook_url:
        raise TestMessageFailed(
            "no_webhook",
            _("This team has no Slack webhook URL; set one and save first."),
        )
    name = user.get_full_name() or user.get_username()
    try:
        slack_post(
            url=team.slack_webhook_url,
            text=_(
                "Test message from the reinforcement service, sent by %(name)s: "
                "%(team)s's daily questions will be posted here."
            )
            % {"name": name, "team": team.name},
        )
    except SlackPostError as exc:
        logger.warning("test Slack post for team %s failed: %s", team.pk, exc)
        raise TestMessageFailed("slack_failed", f"slack: {exc}") from exc
    return _("the team's Slack webhook")


def _test_teams(team: Team, user: AbstractBaseUser) -> str:
    if not team.teams_webhook_url:
        raise TestMessageFailed(
            "no_webhook",
            _("This team has no Teams webhook URL; set one and save first."),
        )
    text = _(
        "Test message from the reinforcement service, sent by %(name)s: "
        "%(team)s's daily questions will be posted here."
    ) % {"name": user.get_full_name() or user.get_username(), "team": team.name}
    message = adaptive_card_message(
        body=[{"type": "TextBlock", "text": text, "wrap": True}], actions=[]
    )
    try:
        teams_post(url=team.teams_webhook_url, message=message)
    except TeamsPostError as exc:
        logger.warning("test Teams post for team %s failed: %s", team.pk, exc)
        raise TestMessageFailed("teams_failed", f"teams: {exc}") from exc
    return _("the team's Teams webhook")
