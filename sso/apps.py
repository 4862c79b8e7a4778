from django.apps import AppConfig


class SsoConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "sso"
    verbose_name = "Single sign-on"

    def ready(self) -> None:
        from enablement.audit import audit_register
        from enablement.signals import person_erased
        from sso.models import AllowedDomain, IdentityProvider
        from sso.receivers import sso_identities_forget

        person_erased.connect(sso_identities_forget, dispatch_uid="sso-erase")
        # Identity settings are audited; the client secret's value never is.
        audit_register(
            IdentityProvider, organization="organization_id", mask=("client_secret",)
        )
        audit_register(AllowedDomain, organization="provider.organization_id")
