"""The Slack Web API client (slack-sdk's WebClient) of an installation."""

from django.conf import settings
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from slack_app.models import SlackInstallation

# A call waits at most this long: a delivery holds its outbox row's lock
# while it posts (Slack's webhook post waits 5 s too).
TIMEOUT_SECONDS = 5


def web_client(*, token: str | None = None) -> WebClient:
    """A WebClient on SLACK_API_BASE_URL that waits out one rate limit (HTTP 429)."""
    return WebClient(
        token=token,
        base_url=settings.SLACK_API_BASE_URL,
        timeout=TIMEOUT_SECONDS,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)],
    )


def installation_client(installation: SlackInstallation) -> WebClient:
    return web_client(token=installation.bot_token)


def slack_app_configured() -> bool:
    """Whether the app's credentials are set: without them /slack/ is off."""
    return bool(
        settings.SLACK_SIGNING_SECRET
        and settings.SLACK_CLIENT_ID
        and settings.SLACK_CLIENT_SECRET
    )
