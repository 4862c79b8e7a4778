"""Post a message to a Microsoft Teams Workflows webhook (the "Post to a channel
when a webhook request is received" template, which replaced Office 365
connectors): the one HTTP call every Teams send uses.

Standard library only, like ``core.slack``: the daily dose (reinforcement) and
the team's "Send test Teams message" (enablement) post the same way. The
message is an Adaptive Card in the wrapper the Workflows trigger expects
(``adaptive_card_message``). The webhook answers 202 Accepted once the flow
has taken the request; it does not say whether the post reached the channel.
"""

from typing import Any

from core.webhooks import WebhookPostError, webhook_post

TEAMS_TIMEOUT_SECONDS = 10
ADAPTIVE_CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
ADAPTIVE_CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
# The highest version Teams renders in channel posts from Workflows.
ADAPTIVE_CARD_VERSION = "1.4"


class TeamsPostError(WebhookPostError):
    """The webhook did not take the message: the text says why (status and body)."""


def adaptive_card_message(
    *, body: list[dict[str, Any]], actions: list[dict[str, Any]]
) -> dict[str, Any]:
    """A Workflows webhook's message: one attachment holding an Adaptive Card."""
    return {
        "type": "message",
        "attachments": [
            {
                "contentType": ADAPTIVE_CARD_CONTENT_TYPE,
                "contentUrl": None,
                "content": {
                    "$schema": ADAPTIVE_CARD_SCHEMA,
                    "type": "AdaptiveCard",
                    "version": ADAPTIVE_CARD_VERSION,
                    "body": body,
                    "actions": actions,
                },
            }
        ],
    }


def teams_post(
    *, url: str, message: dict[str, Any], timeout: float = TEAMS_TIMEOUT_SECONDS
) -> None:
    """POST message as JSON to url; raises TeamsPostError unless it answered 2xx."""
    try:
        webhook_post(url=url, payload=message, timeout=timeout)
    except WebhookPostError as exc:
        raise TeamsPostError(str(exc)) from exc
