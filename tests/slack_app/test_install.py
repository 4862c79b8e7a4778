"""Installing the app for an organization through Slack's OAuth v2 flow."""

import urllib.parse

import pytest
from django.db import connection

from slack_app.models import SlackInstallation
from tests.factories.enablement import OrganizationFactory, UserFactory
from tests.slack_app.conftest import BOT_TOKEN, TEAM_ID

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_user(organization):
    user = UserFactory(is_staff=True)
    organization.admins.add(user)
    return user


def _start(client, user, **query):
    client.force_login(user)
    return client.get("/slack/install/", query)


def _state(response) -> str:
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(response["Location"]).query)
    return query["state"][0]


def test_an_admin_is_sent_to_slack_with_the_bot_scopes(client, slack_api, admin_user):
    """The install starts at slack.com's authorize URL with our client and scopes."""
    response = _start(client, admin_user)

    assert response.status_code == 302
    url = urllib.parse.urlsplit(response["Location"])
    query = urllib.parse.parse_qs(url.query)
    assert f"{url.netloc}{url.path}" == "slack.com/oauth/v2/authorize"
    assert query["client_id"] == ["1111.2222"]
    assert set(query["scope"][0].split(",")) >= {"chat:write", "users:read.email"}
    assert query["redirect_uri"][0].endswith("/slack/oauth/redirect/")


def test_slack_redirect_installs_for_the_admins_organization(
    client, slack_api, admin_user, organization, django_capture_on_commit_callbacks
):
    """The code is exchanged (oauth.v2.access); the token is stored encrypted."""
    state = _state(_start(client, admin_user))

    with django_capture_on_commit_callbacks() as callbacks:
        response = client.get(
            "/slack/oauth/redirect/", {"code": "good-code", "state": state}
        )

    assert response.status_code == 302
    assert response["Location"].endswith("/admin/slack_app/slackinstallation/")
    (exchange,) = slack_api.of("oauth.v2.access")
    assert exchange["code"] == "good-code"
    installation = SlackInstallation.objects.get(organization=organization)
    assert (installation.team_id, installation.bot_token) == (TEAM_ID, BOT_TOKEN)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT bot_token FROM slack_app_slackinstallation WHERE id = %s",
            [installation.pk],
        )
        stored = cursor.fetchone()[0]
    assert BOT_TOKEN not in stored
    assert len(callbacks) == 1  # the match of reps to Slack users is enqueued


@pytest.mark.parametrize(
    "change", ["tampered", "other_session", "other_user", "bad_code"]
)
def test_a_redirect_not_started_here_installs_nothing(
    client, slack_api, admin_user, organization, change
):
    """A tampered state, one from another browser or admin, or a code Slack
    refuses: an error page (never a 500) and no installation."""
    state = _state(_start(client, admin_user))
    code = "good-code"
    if change == "tampered":
        state = state[:-3] + "xyz"
    elif change == "other_session":
        client.logout()
        client.force_login(admin_user)
    elif change == "other_user":
        other = UserFactory(is_staff=True)
        organization.admins.add(other)
        client.force_login(other)
    else:
        code = "expired-code"

    response = client.get("/slack/oauth/redirect/", {"code": code, "state": state})

    assert 400 <= response.status_code < 500
    assert not SlackInstallation.objects.exists()


def test_a_rep_or_another_organizations_admin_cannot_install(
    client, slack_api, admin_user, rep, organization
):
    """Only an admin of the organization starts it, and only for their own."""
    assert _start(client, rep).status_code == 403
    other_admin = UserFactory(is_staff=True)
    OrganizationFactory().admins.add(other_admin)
    response = _start(client, other_admin, organization=organization.pk)
    assert response.status_code == 403


def test_a_workspace_connected_to_another_organization_is_refused(
    client, slack_api, admin_user
):
    """One workspace, one organization: the second install is refused."""
    SlackInstallation.objects.create(
        organization=OrganizationFactory(),
        team_id=TEAM_ID,
        bot_user_id="U0BOT00001",
        bot_token="xoxb-other",
    )
    state = _state(_start(client, admin_user))

    response = client.get(
        "/slack/oauth/redirect/", {"code": "good-code", "state": state}
    )

    assert response.status_code == 409
    assert "another organization" in response.content.decode()
    assert SlackInstallation.objects.get().bot_token == "xoxb-other"


def test_slack_is_off_without_its_settings(client, admin_user, settings):
    """No SLACK_* settings: /slack/ answers 404."""
    settings.SLACK_SIGNING_SECRET = ""
    assert _start(client, admin_user).status_code == 404
    assert client.post("/slack/events/", {}).status_code == 404
