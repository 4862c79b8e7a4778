from django.apps import AppConfig
from django.db.models.signals import post_migrate

# The apps whose permissions the role groups grant (auth's exist before these).
# The apps whose permissions the role groups list (services/groups.py).
GROUP_PERMISSION_APPS = frozenset(
    {"enablement", "reinforcement", "sso", "provisioning"}
)


def _sync_groups(sender, **kwargs) -> None:
    if sender.label not in GROUP_PERMISSION_APPS:
        return
    from enablement.services.groups import groups_sync

    groups_sync()


class EnablementConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "enablement"
    verbose_name = "Enablement content and people"

    def ready(self) -> None:
        # Permissions exist only after post_migrate, so the groups are synced
        # then (every deploy runs migrate), once the permissions of each app
        # they draw on exist.
        post_migrate.connect(_sync_groups, dispatch_uid="enablement-groups-sync")
