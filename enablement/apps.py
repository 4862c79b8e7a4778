from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _sync_groups(sender, **kwargs) -> None:
    from enablement.services.groups import author_group_sync

    author_group_sync()


class EnablementConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "enablement"
    verbose_name = "Enablement content and people"

    def ready(self) -> None:
        # Permissions exist only after post_migrate, so the group is synced then.
        post_migrate.connect(_sync_groups, sender=self)
