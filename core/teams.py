"""Post a message to a Microsoft Teams Workflows webhook (the "Post to a channel
when a webhook request is received" template, which replaced Office 365
connectors): the one HTTP call every Teams send uses.

Standard library only, like ``core.slack``: the daily dose (reinforcement) and
the team's "Send test Teams message" (enablement) post the same way. The
message is an Adaptive Card in the wrapper the Workflows trigger expects
(``adaptive_card_message``). The webhook answers 202 Accepted once the flow
has taken the request; it does not say whether the post reached the channel.
"""

import json
import urllib.error
import urllib.request
from typing import Any

TEAMS_TIMEOUT_SECONDS = 10
ADAPTIVE_CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
ADAPTIVE_CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
# The highest version Teams renders in channel posts from Workflows.
ADAPTIVE_CARD_VERSION = "1.4"


class TeamsPostError(Exception):
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
    request = urllib.request.Request(
        url,
        data=json.dumps(message).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            if response.status >= 300:
                raise TeamsPostError(f"HTTP {response.status}")
    except urllib.error.HTTPError as exc:
        # A refused flow answers with a JSON error ("WorkflowTriggerIsNotEnabled",
        # "DirectApiAuthorizationRequired"): worth showing as it is.
        body = exc.read(300).decode("utf-8", "replace").strip()
        raise TeamsPostError(f"HTTP {exc.code}: {body or exc.reason}") from exc
    except (urllib.error.URLError, TimeoutError, OSError, ValueError) as exc:
        raise TeamsPostError(str(exc)) from exc
