"""What single sign-on does when a person's lifecycle changes (enablement.signals)."""

from django.contrib.auth.base_user import AbstractBaseUser

from sso.models import SsoIdentity


def sso_identities_forget(*, user: AbstractBaseUser, **_kwargs) -> None:
    """An erased person's identity-provider subject is identity too: delete it."""
    SsoIdentity.objects.filter(user=user).delete()
