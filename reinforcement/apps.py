from django.apps import AppConfig


class ReinforcementConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "reinforcement"
    verbose_name = "Reinforcement: memory, planning and measurement"

    def ready(self) -> None:
        # A person who leaves (enablement's people service) is withdrawn here.
        from reinforcement import receivers  # noqa: F401
