"""Reads of the Slack app: installations, reps' Slack users, the messages posted."""

from django.db.models import QuerySet

from reinforcement.selectors.planning import reps_active
from slack_app.models import SlackInstallation, SlackMember, SlackMessage


def installation_for_team(*, team_id: str) -> SlackInstallation | None:
    return (
        SlackInstallation.objects.select_related("organization")
        .filter(team_id=team_id)
        .first()
    )


def installation_for_rep(*, rep_id: int) -> SlackInstallation | None:
    """The installation of the rep's organization, or None."""
    return SlackInstallation.objects.filter(
        organization__teams__reps__user_id=rep_id
    ).first()


def member_for_slack_user(*, team_id: str, slack_user_id: str) -> SlackMember | None:
    """The rep this Slack user of this workspace was matched to, if still active."""
    if not slack_user_id:
        return None
    member = (
        SlackMember.objects.select_related("installation", "rep")
        .filter(installation__team_id=team_id, slack_user_id=slack_user_id)
        .first()
    )
    if member is None or not reps_active().filter(user_id=member.rep_id).exists():
        return None
    return member


def reps_to_match(
    *, installation: SlackInstallation, rep_ids: list[int] | None = None
) -> QuerySet:
    """Active reps of the installation's organization with no Slack user yet
    (never looked up, or not found last time); only rep_ids if given."""
    reps = reps_active().filter(team__organization_id=installation.organization_id)
    if rep_ids is not None:
        reps = reps.filter(user_id__in=rep_ids)
    matched = SlackMember.objects.filter(installation=installation).exclude(
        slack_user_id=""
    )
    return (
        reps.exclude(user_id__in=matched.values("rep_id"))
        .select_related("user")
        .order_by("user_id")
    )


def slack_routes(*, rep_ids: list[int]) -> dict[int, bool]:
    """For reps of organizations with an installation: whether each has a Slack user.

    Reps of organizations without one are absent (their Slack delivery is
    the team's webhook). Two queries for any number of reps.
    """
    installed = dict(
        reps_active()
        .filter(
            user_id__in=rep_ids,
            team__organization__slack_installation__isnull=False,
        )
        .values_list("user_id", "team__organization__slack_installation")
    )
    matched = set(
        SlackMember.objects.filter(rep_id__in=list(installed))
        .exclude(slack_user_id="")
        .filter(installation_id__in=set(installed.values()))
        .values_list("rep_id", flat=True)
    )
    return {rep_id: rep_id in matched for rep_id in installed}


def message_for_prompt(*, prompt_id) -> SlackMessage | None:
    return SlackMessage.objects.filter(prompt_id=prompt_id).first()
