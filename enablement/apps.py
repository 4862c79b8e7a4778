from django.apps import AppConfig
from django.db.models.signals import post_migrate

# The apps whose permissions the role groups grant (auth's exist before these).
# The apps whose permissions the role groups list (services/groups.py).
GROUP_PERMISSION_APPS = frozenset(
    {"enablement", "reinforcement", "sso", "provisioning", "revenue", "slack_app"}
)


def _sync_groups(sender, **kwargs) -> None:
    if sender.label not in GROUP_PERMISSION_APPS:
        return
    from enablement.services.groups import groups_sync

    groups_sync()


def _audit_register() -> None:
    """The models the audit log records (docs/people.md, "Audit log")."""
    from django.contrib.auth import get_user_model

    from enablement import models as m
    from enablement.audit import audit_register

    content = "module.methodology.organization_id"
    audit_register(m.Organization, organization="pk", m2m=("admins", "authors"))
    # A Slack or Teams webhook URL is a credential: its value is never logged.
    audit_register(
        m.Team,
        organization="organization_id",
        mask=("slack_webhook_url", "teams_webhook_url"),
        m2m=("managers",),
    )
    audit_register(
        get_user_model(),
        organization="membership.organization_id",
        mask=("password",),
    )
    audit_register(m.Holiday, organization="organization_id")
    audit_register(m.Membership, organization="organization_id")
    audit_register(m.RepProfile, organization="team.organization_id")
    audit_register(m.Methodology, organization="organization_id")
    audit_register(m.Topic, organization="organization_id")
    audit_register(m.Module, organization="methodology.organization_id")
    audit_register(m.Question, organization=content)
    audit_register(m.Choice, organization=f"question.{content}")
    audit_register(m.Enrollment, organization=content)
    audit_register(m.Campaign, organization="organization_id", m2m=("topics", "teams"))


class EnablementConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "enablement"
    verbose_name = "Enablement content and people"

    def ready(self) -> None:
        # Permissions exist only after post_migrate, so the groups are synced
        # then (every deploy runs migrate), once the permissions of each app
        # they draw on exist.
        post_migrate.connect(_sync_groups, dispatch_uid="enablement-groups-sync")
        _audit_register()
