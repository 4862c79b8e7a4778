"""Installing the app in an organization's Slack workspace (OAuth v2).

An enablement admin starts it from admin: the state sent to Slack is signed
and names their organization, their user and a nonce kept in their session,
so Slack's redirect installs for that organization only, and only in the
browser that started it. The bot token from oauth.v2.access is stored
encrypted (SlackInstallation.bot_token).
"""

import datetime as dt
import logging
import secrets

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core import signing
from django.db import transaction
from django.utils.translation import gettext as _
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.oauth import AuthorizeUrlGenerator

from core.errors import ApplicationError
from enablement.models import Organization
from slack_app.client import web_client
from slack_app.models import SlackInstallation

logger = logging.getLogger(__name__)

STATE_SALT = "slack_app.oauth"
# What the bot does: DM reps (im:write, chat:write), find them by email
# (users:read, users:read.email) and take /reinforce (commands).
BOT_SCOPES = ("chat:write", "im:write", "users:read", "users:read.email", "commands")


class SlackInstallRefused(ApplicationError):
    """The installation was not made; nothing was stored."""


def slack_oauth_state_issue(
    *, user: AbstractBaseUser, organization: Organization
) -> tuple[str, str]:
    """The signed state for Slack's authorize URL and the nonce to keep in the session."""
    nonce = secrets.token_urlsafe(16)
    state = signing.dumps(
        {"o": organization.pk, "u": user.pk, "n": nonce}, salt=STATE_SALT
    )
    return state, nonce


def slack_authorize_url(*, state: str, redirect_uri: str) -> str:
    """slack.com's OAuth v2 authorize URL for the bot scopes."""
    return AuthorizeUrlGenerator(
        client_id=settings.SLACK_CLIENT_ID,
        scopes=list(BOT_SCOPES),
        redirect_uri=redirect_uri,
    ).generate(state=state)


def slack_oauth_state_check(
    *, state: str, user: AbstractBaseUser, session_nonce: str | None
) -> Organization:
    """The organization the state was issued for, if this user in this session
    started it within SLACK_OAUTH_STATE_SECONDS and still administers it."""
    try:
        data = signing.loads(
            state, salt=STATE_SALT, max_age=settings.SLACK_OAUTH_STATE_SECONDS
        )
    except signing.SignatureExpired:
        raise SlackInstallRefused(
            "invalid", _("The Slack installation took too long; start it again.")
        ) from None
    except signing.BadSignature:
        raise SlackInstallRefused(
            "invalid", _("This Slack installation link is not valid.")
        ) from None
    if (
        data.get("u") != user.pk
        or not session_nonce
        or not secrets.compare_digest(str(data.get("n")), session_nonce)
    ):
        raise SlackInstallRefused(
            "invalid", _("Start the Slack installation again from admin.")
        )
    organization = user.administered_organizations.filter(pk=data.get("o")).first()
    if organization is None:
        raise SlackInstallRefused(
            "scope_denied", _("You do not administer this organization.")
        )
    return organization


def _access(code: str, redirect_uri: str) -> dict:
    try:
        return (
            web_client()
            .oauth_v2_access(
                client_id=settings.SLACK_CLIENT_ID,
                client_secret=settings.SLACK_CLIENT_SECRET,
                code=code,
                redirect_uri=redirect_uri,
            )
            .data
        )
    except SlackApiError as exc:
        logger.warning("oauth.v2.access refused: %s", exc.response.get("error"))
        raise SlackInstallRefused(
            "invalid",
            _("Slack refused the installation (%(error)s); start it again.")
            % {"error": exc.response.get("error")},
        ) from None
    except (SlackClientError, OSError) as exc:
        logger.warning("oauth.v2.access failed: %s", exc)
        raise SlackInstallRefused(
            "unavailable", _("Slack cannot be reached right now; try again later.")
        ) from None


@transaction.atomic
def slack_installation_complete(
    *,
    organization: Organization,
    user: AbstractBaseUser,
    code: str,
    redirect_uri: str,
    now: dt.datetime,
) -> SlackInstallation:
    """Exchange Slack's code for the bot token and store the installation.

    A workspace serves one organization: installing it for a second one is
    refused. Installing again (new scopes, a new token) updates the row.
    Reps are matched to Slack users once it commits.
    """
    if not code:
        raise SlackInstallRefused("invalid", _("Slack sent no authorization code."))
    data = _access(code, redirect_uri)
    team = data.get("team") or {}
    if data.get("token_type") != "bot" or not team.get("id"):
        raise SlackInstallRefused("invalid", _("Slack sent no bot token."))
    taken = (
        SlackInstallation.objects.filter(team_id=team["id"])
        .exclude(organization=organization)
        .exists()
    )
    if taken:
        raise SlackInstallRefused(
            "conflict",
            _("This Slack workspace is connected to another organization."),
        )
    previous = SlackInstallation.objects.filter(organization=organization).first()
    if previous is not None and previous.team_id != team["id"]:
        # Another workspace's Slack users do not apply to this one.
        previous.members.all().delete()
    installation, _created = SlackInstallation.objects.update_or_create(
        organization=organization,
        defaults={
            "team_id": team["id"],
            "team_name": team.get("name", ""),
            "enterprise_id": (data.get("enterprise") or {}).get("id", ""),
            "app_id": data.get("app_id", ""),
            "bot_user_id": data.get("bot_user_id", ""),
            "bot_token": data["access_token"],
            "scopes": data.get("scope", ""),
            "installed_by": user,
        },
    )
    transaction.on_commit(lambda: _members_match_enqueue(installation.pk))
    return installation


def _members_match_enqueue(installation_id: int) -> None:
    from slack_app.tasks import slack_members_match_task

    try:
        slack_members_match_task.delay(installation_id=installation_id)
    except Exception:  # broker down: the nightly match catches up
        logger.warning("could not enqueue the Slack match of %s", installation_id)


def slack_installation_remove(*, team_id: str) -> int:
    """The app was uninstalled or its tokens revoked: forget the installation."""
    deleted, _rows = SlackInstallation.objects.filter(team_id=team_id).delete()
    return deleted
