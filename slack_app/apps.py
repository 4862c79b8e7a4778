from django.apps import AppConfig


class SlackAppConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "slack_app"
    verbose_name = "Slack app"

    def ready(self) -> None:
        from enablement.audit import audit_register
        from enablement.signals import person_erased
        from reinforcement.services.delivery_senders import (
            SlackDirectMessages,
            slack_direct_messages_register,
        )
        from slack_app.models import SlackInstallation
        from slack_app.receivers import slack_members_forget
        from slack_app.selectors import slack_routes
        from slack_app.services.messages import slack_dose_send

        # The outbox's Slack deliveries of installed organizations go out as
        # direct messages; reinforcement never imports this app.
        slack_direct_messages_register(
            SlackDirectMessages(
                routes=lambda rep_ids: slack_routes(rep_ids=rep_ids),
                send=slack_dose_send,
            )
        )
        person_erased.connect(slack_members_forget, dispatch_uid="slack-erase")
        # Who installed, when and for which workspace; never the token's value.
        audit_register(
            SlackInstallation, organization="organization_id", mask=("bot_token",)
        )
