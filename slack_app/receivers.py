"""What the Slack app does when a person's lifecycle changes (enablement.signals)."""

from django.contrib.auth.base_user import AbstractBaseUser

from slack_app.models import SlackMember


def slack_members_forget(*, user: AbstractBaseUser, **_kwargs) -> None:
    """An erased person's Slack user id is identity too: delete it (and the
    record of the messages posted to them)."""
    SlackMember.objects.filter(rep=user).delete()
