from django.apps import AppConfig


class RevenueConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "revenue"
    verbose_name = "Revenue (CRM deals and outcomes)"

    def ready(self) -> None:
        # Outcome rollups hear the ingest; the dashboard gets its Outcomes section.
        from revenue import receivers  # noqa: F401
        from revenue.web.dashboard import outcomes_dashboard_register

        outcomes_dashboard_register()
