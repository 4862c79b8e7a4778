"""The Bolt app behind /slack/: Slack's signature check, the 3-second ack, listeners.

Bolt verifies every request (X-Slack-Signature over the body, the timestamp
within 5 minutes) before any listener runs, and answers url_verification.
Each listener acknowledges at once and leaves its work to a lazy listener,
which Bolt runs after the acknowledgement went back (a thread of the web
process); the work is a service call. An answer is the exception: it is
recorded (one database transaction) before the acknowledgement, so a web
process that dies after acknowledging cannot lose it; the lazy listener
replays it to update the message. Listeners read who acted from the signed
payload only.
"""

import functools
import logging
import re

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from slack_bolt import App
from slack_bolt.adapter.django import SlackRequestHandler
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk.oauth.installation_store import Bot, InstallationStore
from slack_sdk.oauth.state_store import OAuthStateStore

from slack_app.blocks import CHOICES_BLOCK, CHOICES_SUBMIT, CHOICES_TOGGLE, PAUSE
from slack_app.client import web_client
from slack_app.selectors import installation_for_team, member_for_slack_user
from slack_app.services.actions import (
    SlackAction,
    slack_answer_record,
    slack_answer_submit,
    slack_choice_pick,
    slack_pause_set,
)
from slack_app.services.commands import slack_refresher_start
from slack_app.services.install import slack_installation_remove

logger = logging.getLogger(__name__)


class _Installations(InstallationStore, OAuthStateStore):
    """Bolt's view of the installations: the bot token of a workspace's
    SlackInstallation (find_bot). Installations are written by
    slack_app/views.py, whose OAuth state is signed and bound to an
    organization, so bolt's own OAuth flow and stores stay unused; given
    here, bolt does not create its default file stores (it would, under
    $HOME, whenever SLACK_CLIENT_ID is in the environment)."""

    @property
    def logger(self):
        return logger

    def find_bot(self, *, enterprise_id, team_id, is_enterprise_install=False):
        installation = installation_for_team(team_id=team_id or "")
        if installation is None:
            return None  # an unknown workspace: bolt refuses the request
        return Bot(
            app_id=installation.app_id,
            enterprise_id=enterprise_id,
            team_id=installation.team_id,
            bot_token=installation.bot_token,
            bot_id="",
            bot_user_id=installation.bot_user_id,
            installed_at=installation.updated_at,
        )

    def save(self, installation):
        raise NotImplementedError("installations are made by slack_app/views.py")

    def issue(self, *args, **kwargs) -> str:
        raise NotImplementedError("the OAuth state is issued by slack_app/views.py")

    def consume(self, state: str) -> bool:
        return False


def _ack(ack) -> None:
    ack()


def _action(body: dict) -> SlackAction:
    action = body["actions"][0]
    return SlackAction(
        team_id=(body.get("team") or {}).get("id") or body["user"].get("team_id", ""),
        slack_user_id=body["user"]["id"],
        channel_id=(body.get("channel") or {}).get("id", ""),
        message_ts=(body.get("container") or {}).get("message_ts", ""),
        action_id=action["action_id"],
        value=action.get("value", ""),
    )


def _choice_picked(body: dict) -> None:
    action = _action(body)
    prompt_id, _sep, choice_id = action.value.partition(":")
    if choice_id.isdigit():
        slack_choice_pick(
            action=action,
            prompt_id=prompt_id,
            choice_ids=[int(choice_id)],
            now=timezone.now(),
        )


def _choices_submitted(body: dict) -> None:
    action = _action(body)
    values = (body.get("state") or {}).get("values", {})
    selected = (values.get(CHOICES_BLOCK, {}).get(CHOICES_TOGGLE) or {}).get(
        "selected_options"
    ) or []
    choice_ids = [int(o["value"]) for o in selected if str(o.get("value")).isdigit()]
    slack_choice_pick(
        action=action, prompt_id=action.value, choice_ids=choice_ids, now=timezone.now()
    )


def _confidence_ack(ack, body: dict) -> None:
    """Record the answer, then acknowledge: Slack does not resend an
    acknowledged click. A database error is a 500, which Slack retries."""
    action = _action(body)
    confidence = action.action_id.partition(":")[2]
    slack_answer_record(action=action, confidence=confidence, now=timezone.now())
    ack()


def _confidence_given(body: dict) -> None:
    action = _action(body)
    confidence = action.action_id.partition(":")[2]
    slack_answer_submit(action=action, confidence=confidence, now=timezone.now())


def _pause_picked(body: dict) -> None:
    action = _action(body)
    day = body["actions"][0].get("selected_date") or ""
    slack_pause_set(action=action, until=day, now=timezone.now())


def _command_ack(ack, body: dict) -> None:
    """Answer at once: who is not a rep here is told so; the rest get their
    refresher in their direct messages."""
    member = member_for_slack_user(
        team_id=body.get("team_id", ""), slack_user_id=body.get("user_id", "")
    )
    if member is None:
        ack(
            _(
                "Your Slack account is not linked to a rep of this organization: "
                "ask your enablement admin to match it."
            )
        )
    else:
        ack(_("Your refresher is on its way to your direct messages."))


def _command(body: dict) -> None:
    member = member_for_slack_user(
        team_id=body.get("team_id", ""), slack_user_id=body.get("user_id", "")
    )
    if member is not None:
        slack_refresher_start(
            member=member, text=body.get("text", ""), now=timezone.now()
        )


def _uninstalled(ack, body: dict) -> None:
    ack()
    slack_installation_remove(team_id=body.get("team_id", ""))


def slack_bolt_app() -> App:
    """The Bolt app for the current settings (built once per signing secret)."""
    return _build(settings.SLACK_SIGNING_SECRET, settings.SLACK_API_BASE_URL)


def slack_request_handler() -> SlackRequestHandler:
    return _handler(settings.SLACK_SIGNING_SECRET, settings.SLACK_API_BASE_URL)


@functools.lru_cache(maxsize=4)
def _handler(signing_secret: str, base_url: str) -> SlackRequestHandler:
    return SlackRequestHandler(app=_build(signing_secret, base_url))


@functools.lru_cache(maxsize=4)
def _build(signing_secret: str, base_url: str) -> App:
    stores = _Installations()
    app = App(
        signing_secret=signing_secret,
        client=web_client(),
        oauth_settings=OAuthSettings(
            client_id=settings.SLACK_CLIENT_ID,
            client_secret=settings.SLACK_CLIENT_SECRET,
            installation_store=stores,
            installation_store_bot_only=True,
            state_store=stores,
        ),
        logger=logger,
    )
    app.action(re.compile(r"^choice:\d+$"))(ack=_ack, lazy=[_choice_picked])
    app.action(CHOICES_TOGGLE)(_ack)  # a checkbox ticked: read on Submit
    app.action(CHOICES_SUBMIT)(ack=_ack, lazy=[_choices_submitted])
    app.action(re.compile(r"^confidence:\w+$"))(
        ack=_confidence_ack, lazy=[_confidence_given]
    )
    app.action(PAUSE)(ack=_ack, lazy=[_pause_picked])
    app.command("/reinforce")(ack=_command_ack, lazy=[_command])
    app.event("app_uninstalled")(_uninstalled)
    app.event("tokens_revoked")(_uninstalled)
    return app
