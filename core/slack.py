"""Post a message to a Slack incoming webhook: the one HTTP call every Slack send uses.

Standard library only, so the daily dose (reinforcement) and the team's
"Send test message" (enablement) post the same way and fail with the same text.
"""

import json
import urllib.error
import urllib.request

SLACK_TIMEOUT_SECONDS = 5


class SlackPostError(Exception):
    """The webhook did not take the message: the text says why (status and body)."""


def slack_post(*, url: str, text: str, timeout: float = SLACK_TIMEOUT_SECONDS) -> None:
    """POST {"text": text} as JSON to url; raises SlackPostError unless Slack said 2xx."""
    request = urllib.request.Request(
        url,
        data=json.dumps({"text": text}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            if response.status >= 300:
                raise SlackPostError(f"HTTP {response.status}")
    except urllib.error.HTTPError as exc:
        # Slack answers a refused post with a short reason ("invalid_token",
        # "no_service"): worth showing as it is.
        body = exc.read(200).decode("utf-8", "replace").strip()
        raise SlackPostError(f"HTTP {exc.code}: {body or exc.reason}") from exc
    except (urllib.error.URLError, TimeoutError, OSError, ValueError) as exc:
        # ValueError: a URL urllib cannot open at all (no scheme).
        raise SlackPostError(str(exc)) from exc
