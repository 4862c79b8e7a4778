from django.apps import AppConfig


class RevenueConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "revenue"
    verbose_name = "Revenue (CRM deals and outcomes)"

    def ready(self) -> None:
        # The stage map's admin (revenue/admin_stages.py); the receivers of
        # stage_changes_recorded (refreshers, outcome rollups) and of the demo.
        from enablement.audit import audit_register
        from revenue import admin_stages, receivers  # noqa: F401
        from revenue.models import CrmSettings, SalesStage, WebhookSecret
        from revenue.web.dashboard import outcomes_dashboard_register

        # The CRM link's settings are audited; a secret's value never is.
        audit_register(WebhookSecret, organization="organization_id", mask=("secret",))
        audit_register(CrmSettings, organization="organization_id")
        audit_register(SalesStage, organization="organization_id", m2m=("topics",))
        # The manager dashboard gets its Outcomes section.
        outcomes_dashboard_register()
