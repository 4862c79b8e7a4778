"""Slack's side of the tests: a local Web API server and signed requests.

Slack's Web API is unreachable here, so slack-sdk's WebClient is pointed
(SLACK_API_BASE_URL) at a local HTTP server that records every call and
answers in the shapes Slack documents for users.lookupByEmail,
conversations.open, chat.postMessage, chat.update and oauth.v2.access.
Requests to /slack/ are signed with slack-sdk's SignatureVerifier, as
Slack signs them.
"""

import json
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from slack_sdk.signature import SignatureVerifier

from enablement.models import Organization
from slack_app.bolt import _build, _handler
from slack_app.models import SlackInstallation, SlackMember
from tests.factories.enablement import (
    EnrollmentFactory,
    ModuleFactory,
    QuestionFactory,
    RepProfileFactory,
    TopicFactory,
)

SIGNING_SECRET = "test-signing-secret-0123456789abcdef"
TEAM_ID = "T0TEST0001"
BOT_TOKEN = "xoxb-test-bot-token-4242"


@dataclass
class SlackApi:
    """What the fake Web API knows (users by email) and what it was asked."""

    users: dict[str, str] = field(default_factory=dict)  # email -> user id
    calls: list[tuple[str, dict, str]] = field(default_factory=list)
    base_url: str = ""
    _ts: int = 0
    # Set: chat.update waits for it, so a test can tell the acknowledgement
    # went back before the work finished.
    hold_updates: threading.Event | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def sent(self) -> list[str]:
        """The methods called, but bolt's token check (auth.test)."""
        return [name for name, _params, _auth in self.calls if name != "auth.test"]

    def of(self, method: str) -> list[dict]:
        return [params for name, params, _auth in self.calls if name == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 10.0) -> list:
        """The calls of method once there are count of them (bolt's lazy
        listeners call after the request was answered)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.of(method)) >= count:
                return self.of(method)
            time.sleep(0.02)
        raise AssertionError(f"{method}: {len(self.of(method))} calls, not {count}")

    def answer(self, method: str, params: dict) -> dict:
        with self._lock:
            self._ts += 1
            ts = f"1700000000.{self._ts:06d}"
        if method == "users.lookupByEmail":
            user_id = self.users.get(params.get("email", ""))
            if user_id is None:
                return {"ok": False, "error": "users_not_found"}
            return {
                "ok": True,
                "user": {
                    "id": user_id,
                    "team_id": TEAM_ID,
                    "name": params["email"].split("@")[0],
                    "deleted": False,
                    "is_bot": False,
                    "profile": {"email": params["email"]},
                },
            }
        if method == "conversations.open":
            return {"ok": True, "channel": {"id": "D" + params["users"][1:]}}
        if method == "chat.postMessage":
            return {
                "ok": True,
                "channel": params["channel"],
                "ts": ts,
                "message": {"text": params.get("text", ""), "ts": ts},
            }
        if method == "chat.update":
            return {
                "ok": True,
                "channel": params["channel"],
                "ts": params["ts"],
                "text": params.get("text", ""),
            }
        if method == "auth.test":  # bolt checks the stored bot token
            return {
                "ok": True,
                "url": "https://acme.slack.com/",
                "team": "Acme Sales",
                "user": "reinforcement",
                "team_id": TEAM_ID,
                "user_id": "U0BOT00001",
                "bot_id": "B0BOT00001",
                "is_enterprise_install": False,
            }
        if method == "oauth.v2.access":
            if params.get("code") != "good-code":
                return {"ok": False, "error": "invalid_code"}
            return {
                "ok": True,
                "access_token": BOT_TOKEN,
                "token_type": "bot",
                "scope": "chat:write,im:write,users:read,users:read.email,commands",
                "bot_user_id": "U0BOT00001",
                "app_id": "A0APP00001",
                "team": {"name": "Acme Sales", "id": TEAM_ID},
                "enterprise": None,
                "authed_user": {"id": "U0ADMIN001"},
            }
        return {"ok": False, "error": "unknown_method"}


def _handler_class(api: SlackApi):
    class Handler(BaseHTTPRequestHandler):
        def _params(self) -> dict:
            query = urllib.parse.urlsplit(self.path).query
            params = dict(urllib.parse.parse_qsl(query))
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode() if length else ""
            if "json" in (self.headers.get("Content-Type") or ""):
                params.update(json.loads(body or "{}"))
            else:
                params.update(urllib.parse.parse_qsl(body))
            for key in ("blocks",):
                if isinstance(params.get(key), str):
                    params[key] = json.loads(params[key])
            return params

        def _serve(self):
            method = urllib.parse.urlsplit(self.path).path.rsplit("/", 1)[-1]
            params = self._params()
            if method == "chat.update" and api.hold_updates is not None:
                api.hold_updates.wait(timeout=10)
            api.calls.append((method, params, self.headers.get("Authorization", "")))
            payload = json.dumps(api.answer(method, params)).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = _serve

        def log_message(self, *args):
            pass

    return Handler


@pytest.fixture
def slack_api(settings):
    """The local Slack Web API, and the Slack app's settings pointing at it."""
    api = SlackApi()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_class(api))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    api.base_url = f"http://127.0.0.1:{server.server_address[1]}/api/"
    settings.SLACK_API_BASE_URL = api.base_url
    settings.SLACK_SIGNING_SECRET = SIGNING_SECRET
    settings.SLACK_CLIENT_ID = "1111.2222"
    settings.SLACK_CLIENT_SECRET = "client-secret"
    yield api
    server.shutdown()
    server.server_close()
    _build.cache_clear()
    _handler.cache_clear()


def signed_headers(body: str, *, timestamp: int | None = None, secret: str = ""):
    """The headers Slack sends: X-Slack-Request-Timestamp and X-Slack-Signature."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    signature = SignatureVerifier(secret or SIGNING_SECRET).generate_signature(
        timestamp=str(timestamp), body=body
    )
    return {
        "HTTP_X_SLACK_REQUEST_TIMESTAMP": str(timestamp),
        "HTTP_X_SLACK_SIGNATURE": signature,
    }


def post_signed(client, path: str, body: str, **kwargs):
    """POST a form body to /slack/... signed as Slack signs it."""
    return client.post(
        path,
        body,
        content_type="application/x-www-form-urlencoded",
        **signed_headers(body, **kwargs),
    )


def action_body(*, user_id: str, message_ts: str, channel: str, action: dict, **extra):
    """An interactivity request's body: payload=<block_actions JSON>."""
    payload = {
        "type": "block_actions",
        "team": {"id": TEAM_ID, "domain": "acme"},
        "user": {"id": user_id, "team_id": TEAM_ID},
        "api_app_id": "A0APP00001",
        "container": {
            "type": "message",
            "message_ts": message_ts,
            "channel_id": channel,
        },
        "channel": {"id": channel},
        "message": {"ts": message_ts, "type": "message"},
        "trigger_id": "1.2.3",
        "response_url": "https://hooks.slack.com/actions/T/1/x",
        "actions": [{"block_id": "b", "action_ts": "1700000001.1", **action}],
        **extra,
    }
    return urllib.parse.urlencode({"payload": json.dumps(payload)})


@pytest.fixture
def slack_world(slack_api):
    """An organization with the app installed, a matched rep enrolled in a topic."""
    profile = RepProfileFactory(user__email="ana@acme.example")
    organization: Organization = profile.team.organization
    organization.slack_delivery = True
    organization.save()
    installation = SlackInstallation.objects.create(
        organization=organization,
        team_id=TEAM_ID,
        team_name="Acme Sales",
        bot_user_id="U0BOT00001",
        bot_token=BOT_TOKEN,
    )
    member = SlackMember.objects.create(
        installation=installation,
        rep=profile.user,
        slack_user_id="U0ANA00001",
        checked_at=profile.created_at,
    )
    slack_api.users["ana@acme.example"] = "U0ANA00001"
    topic = TopicFactory(organization=organization, key="discovery", name="Discovery")
    module = ModuleFactory(methodology__organization=organization)
    questions = [
        QuestionFactory(
            module=module,
            topic=topic,
            stem=f"Discovery question {n}?",
            choices=[("The right one", True), ("A wrong one", False)],
        )
        for n in range(3)
    ]
    EnrollmentFactory(module=module, team=profile.team)
    return {
        "organization": organization,
        "installation": installation,
        "member": member,
        "profile": profile,
        "rep": profile.user,
        "topic": topic,
        "questions": questions,
    }
