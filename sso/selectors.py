"""Reads of single sign-on: which provider a work email signs in with."""

from sso.models import AllowedDomain, IdentityProvider


def email_domain(email: str) -> str:
    """The lower-cased part after the last @, or "" when there is none."""
    local, at, domain = email.strip().rpartition("@")
    return domain.lower() if at and local and "." in domain else ""


def identity_provider_for_email(*, email: str) -> IdentityProvider | None:
    """The enabled provider that allows this email's domain, if any."""
    domain = email_domain(email)
    if not domain:
        return None
    allowed = (
        AllowedDomain.objects.select_related("provider__organization")
        .filter(domain=domain, provider__enabled=True)
        .first()
    )
    return allowed.provider if allowed else None


def identity_provider_get(*, provider_id: int | None) -> IdentityProvider | None:
    if provider_id is None:
        return None
    return (
        IdentityProvider.objects.select_related("organization", "default_team")
        .filter(pk=provider_id, enabled=True)
        .first()
    )
