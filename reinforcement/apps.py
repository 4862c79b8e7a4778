from django.apps import AppConfig


class ReinforcementConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "reinforcement"
    verbose_name = "Reinforcement: memory, planning and measurement"
