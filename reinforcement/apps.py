from django.apps import AppConfig


class ReinforcementConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "reinforcement"
    verbose_name = "Reinforcement: memory, planning and measurement"

    def ready(self) -> None:
        # A person who leaves (enablement's people service) is withdrawn here.
        from enablement.services.person_data import person_data_section_register
        from reinforcement import receivers  # noqa: F401
        from reinforcement.selectors.person_data import rep_history_tables

        # A GDPR export of a person includes their answers and memory.
        person_data_section_register(rep_history_tables)
