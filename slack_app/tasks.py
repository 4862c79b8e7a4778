"""Celery tasks of the Slack app: matching reps to Slack users."""

from celery import shared_task
from django.utils import timezone


# lookupByEmail allows about 50 calls a minute per workspace (Slack's tier 3):
# 2,000 reps take some 40 minutes, within the nightly run's time limit.
@shared_task(soft_time_limit=3300, time_limit=3400)
def slack_members_match_task(
    *, installation_id: int | None = None, rep_ids: list[int] | None = None
) -> list[tuple[int, int]]:
    """Match the unmatched reps of one installation (or of every one, nightly)
    to Slack users by email; returns (matched, unmatched) per installation."""
    from slack_app.models import SlackInstallation
    from slack_app.services.members import slack_members_match

    installations = SlackInstallation.objects.select_related("organization")
    if installation_id is not None:
        installations = installations.filter(pk=installation_id)
    return [
        slack_members_match(
            installation=installation, rep_ids=rep_ids, now=timezone.now()
        )
        for installation in installations
    ]
