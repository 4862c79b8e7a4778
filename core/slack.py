"""Post a message to a Slack incoming webhook: the one HTTP call every Slack send uses.

Standard library only, so the daily dose (reinforcement) and the team's
"Send test message" (enablement) post the same way and fail with the same text.
"""

from core.webhooks import WebhookPostError, webhook_post

SLACK_TIMEOUT_SECONDS = 5


class SlackPostError(WebhookPostError):
    """The webhook did not take the message: the text says why (status and body)."""


def slack_post(*, url: str, text: str, timeout: float = SLACK_TIMEOUT_SECONDS) -> None:
    """POST {"text": text} as JSON to url; raises SlackPostError unless Slack said 2xx."""
    try:
        webhook_post(url=url, payload={"text": text}, timeout=timeout)
    except WebhookPostError as exc:
        raise SlackPostError(str(exc)) from exc
