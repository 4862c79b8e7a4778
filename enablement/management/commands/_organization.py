from django.core.management.base import CommandError

from enablement.models import Organization


def organization_from_option(name: str | None) -> Organization:
    """Resolve --org; when omitted, the only organization there is."""
    if name:
        try:
            return Organization.objects.get(name=name)
        except Organization.DoesNotExist as exc:
            raise CommandError(f"No organization named {name!r}.") from exc
    organizations = list(Organization.objects.all()[:2])
    if len(organizations) != 1:
        raise CommandError("Say which organization with --org NAME.")
    return organizations[0]
