"""The Slack app of an organization: its workspace installation, reps' Slack
users, and the direct messages each prompt went out as."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from enablement.encrypted_fields import EncryptedTextField
from enablement.models import Organization, TimestampedModel


class SlackInstallation(TimestampedModel):
    """The app installed in one Slack workspace by one organization (OAuth v2)."""

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="slack_installation"
    )
    team_id = models.CharField(_("workspace ID"), max_length=32, unique=True)
    team_name = models.CharField(_("workspace"), max_length=255, blank=True)
    enterprise_id = models.CharField(max_length=32, blank=True)
    app_id = models.CharField(max_length=32, blank=True)
    bot_user_id = models.CharField(max_length=32)
    # The bot token (xoxb-...): sent back to Slack on every call, so
    # encrypted, not hashed.
    bot_token = EncryptedTextField()
    scopes = models.TextField(blank=True)
    installed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("Slack installation")

    def __str__(self) -> str:
        return f"{self.team_name or self.team_id} ({self.organization})"


class SlackMember(TimestampedModel):
    """A rep and their Slack user in the organization's workspace, or why none."""

    installation = models.ForeignKey(
        SlackInstallation, on_delete=models.CASCADE, related_name="members"
    )
    rep = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="slack_member"
    )
    # Empty: no Slack user has the rep's email (see error).
    slack_user_id = models.CharField(_("Slack user ID"), max_length=32, blank=True)
    # The direct message channel with the bot, from conversations.open.
    dm_channel_id = models.CharField(max_length=32, blank=True)
    error = models.CharField(max_length=200, blank=True)
    checked_at = models.DateTimeField()

    class Meta:
        verbose_name = _("Slack member")
        ordering = ["installation", "rep__username"]
        constraints = [
            models.UniqueConstraint(
                fields=["installation", "slack_user_id"],
                condition=~Q(slack_user_id=""),
                name="slack_member_unique_user_per_workspace",
            )
        ]

    def __str__(self) -> str:
        return f"{self.rep} ({self.slack_user_id or _('unmatched')})"

    @property
    def matched(self) -> bool:
        return bool(self.slack_user_id)


class SlackMessage(models.Model):
    """The direct message a prompt was posted as: updated in place on answer.

    Written when the message is posted, so a retried delivery skips the
    prompts already posted.
    """

    prompt = models.OneToOneField(
        "reinforcement.Prompt", on_delete=models.CASCADE, related_name="slack_message"
    )
    member = models.ForeignKey(
        SlackMember, on_delete=models.CASCADE, related_name="messages"
    )
    channel_id = models.CharField(max_length=32)
    ts = models.CharField(max_length=32)
    posted_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["channel_id", "ts"], name="slack_message_unique_ts"
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel_id}/{self.ts}"
