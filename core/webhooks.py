"""POST JSON to an incoming webhook (Slack's, a Teams Workflows flow): the one
HTTP call both channels make. Standard library only."""

import json
import urllib.error
import urllib.request
from typing import Any


class WebhookPostError(Exception):
    """The webhook did not take the message: the text says why (status and body)."""


def webhook_post(*, url: str, payload: Any, timeout: float) -> None:
    """POST payload as JSON to url; raises WebhookPostError unless it answered 2xx."""
    request = urllib.request.Request(
        url,
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            if response.status >= 300:
                raise WebhookPostError(f"HTTP {response.status}")
    except urllib.error.HTTPError as exc:
        # A refused post answers with a short reason (Slack: "invalid_token";
        # Teams: "WorkflowTriggerIsNotEnabled"): worth showing as it is.
        body = exc.read(300).decode("utf-8", "replace").strip()
        raise WebhookPostError(f"HTTP {exc.code}: {body or exc.reason}") from exc
    except (urllib.error.URLError, TimeoutError, OSError, ValueError) as exc:
        # ValueError: a URL urllib cannot open at all (no scheme).
        raise WebhookPostError(str(exc)) from exc
