from django.apps import AppConfig


class RevenueConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "revenue"
    verbose_name = "Revenue (CRM deals and outcomes)"

    def ready(self) -> None:
        from enablement.audit import audit_register
        from revenue.models import CrmSettings, WebhookSecret

        # The CRM link's settings are audited; a secret's value never is.
        audit_register(WebhookSecret, organization="organization_id", mask=("secret",))
        audit_register(CrmSettings, organization="organization_id")
