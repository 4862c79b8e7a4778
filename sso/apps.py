from django.apps import AppConfig


class SsoConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "sso"
    verbose_name = "Single sign-on"

    def ready(self) -> None:
        from enablement.signals import person_erased
        from sso.receivers import sso_identities_forget

        person_erased.connect(sso_identities_forget, dispatch_uid="sso-erase")
