"""Celery tasks of the Slack app: matching reps to Slack users."""

from celery import shared_task
from django.utils import timezone

# lookupByEmail allows about 50 calls a minute per workspace (Slack's tier 3):
# a run looks up this many reps (some 8 minutes, inside the broker's
# visibility timeout, so a running task is never handed to a second worker)
# and passes the rest to the next run.
MATCH_CHUNK = 400


@shared_task(soft_time_limit=780, time_limit=840)
def slack_members_match_task(
    *, installation_id: int | None = None, rep_ids: list[int] | None = None
) -> list[tuple[int, int]]:
    """Match the unmatched reps of one installation (or of every one, nightly)
    to Slack users by email, MATCH_CHUNK at a time; returns (matched,
    unmatched) per installation for this run."""
    from slack_app.models import SlackInstallation
    from slack_app.selectors import reps_to_match
    from slack_app.services.members import slack_members_match

    installations = SlackInstallation.objects.select_related("organization")
    if installation_id is not None:
        installations = installations.filter(pk=installation_id)
    results = []
    for installation in installations:
        ids = list(
            reps_to_match(installation=installation, rep_ids=rep_ids).values_list(
                "user_id", flat=True
            )
        )
        results.append(
            slack_members_match(
                installation=installation, rep_ids=ids[:MATCH_CHUNK], now=timezone.now()
            )
        )
        if ids[MATCH_CHUNK:]:
            slack_members_match_task.delay(
                installation_id=installation.pk, rep_ids=ids[MATCH_CHUNK:]
            )
    return results
