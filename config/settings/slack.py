"""Settings of the Slack app (slack_app/, docs/slack.md), read by base.py.

SLACK_CLIENT_ID and SLACK_CLIENT_SECRET are the app's OAuth credentials (its
"Basic Information" page at api.slack.com/apps); SLACK_SIGNING_SECRET signs
every request Slack sends to /slack/. Unset, the Slack app is off: /slack/
answers 404 and delivery keeps to the teams' webhooks.
"""

import environ
from celery.schedules import crontab

__all__ = [
    "SLACK_CLIENT_ID",
    "SLACK_CLIENT_SECRET",
    "SLACK_SIGNING_SECRET",
    "SLACK_API_BASE_URL",
    "SLACK_OAUTH_STATE_SECONDS",
    "SLACK_BEAT_SCHEDULE",
]
env = environ.Env()

SLACK_CLIENT_ID = env("SLACK_CLIENT_ID", default="")
SLACK_CLIENT_SECRET = env("SLACK_CLIENT_SECRET", default="")
SLACK_SIGNING_SECRET = env("SLACK_SIGNING_SECRET", default="")
# Slack's Web API; tests point it at a local server speaking its shapes.
SLACK_API_BASE_URL = env("SLACK_API_BASE_URL", default="https://slack.com/api/")
# How long an admin has between "Install to Slack" and Slack's redirect back.
SLACK_OAUTH_STATE_SECONDS = env.int("SLACK_OAUTH_STATE_SECONDS", default=600)

SLACK_BEAT_SCHEDULE = {
    # Every night at 04:10 UTC: match reps added since (and unmatched ones
    # again) to their Slack users by email.
    "match-slack-members": {
        "task": "slack_app.tasks.slack_members_match_task",
        "schedule": crontab(hour=4, minute=10),
        "options": {"expires": 21600},
    },
}
