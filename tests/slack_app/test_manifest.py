"""The committed Slack app manifest matches the code it configures."""

from pathlib import Path

import yaml
from django.urls import reverse

from slack_app.services.install import BOT_SCOPES

MANIFEST = Path(__file__).resolve().parents[2] / "slack_app" / "manifest.yaml"


def _path(url: str) -> str:
    return url.removeprefix("https://YOUR-HOST")


def test_manifest_scopes_and_request_urls_are_the_codes():
    """Scopes are the ones installation asks for; each URL is a /slack/ route."""
    manifest = yaml.safe_load(MANIFEST.read_text())
    assert manifest["oauth_config"]["scopes"]["bot"] == list(BOT_SCOPES)
    assert [_path(u) for u in manifest["oauth_config"]["redirect_urls"]] == [
        reverse("slack:oauth_redirect")
    ]
    settings = manifest["settings"]
    assert _path(settings["event_subscriptions"]["request_url"]) == reverse(
        "slack:events"
    )
    assert _path(settings["interactivity"]["request_url"]) == reverse(
        "slack:interactivity"
    )
    (command,) = manifest["features"]["slash_commands"]
    assert command["command"] == "/reinforce"
    assert _path(command["url"]) == reverse("slack:commands")
