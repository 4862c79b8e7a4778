"""Reads of SCIM provisioning: the organization a token opens, and the people
and teams it provisions. Everything is scoped to that one organization."""

import hashlib
import hmac

from django.db.models import Prefetch, QuerySet

from enablement.models import Membership, Organization, RepProfile, Team
from provisioning.models import ProvisioningToken


def token_digest(token: str) -> str:
    """The stored form of a token (the token is 256 random bits: no salt needed)."""
    return hashlib.sha256(token.encode()).hexdigest()


def token_find(*, token: str) -> ProvisioningToken | None:
    """The token row a bearer token matches, compared in constant time."""
    if not token:
        return None
    digest = token_digest(token)
    row = (
        ProvisioningToken.objects.select_related("organization")
        .filter(token_digest=digest)
        .first()
    )
    if row is None or not hmac.compare_digest(row.token_digest, digest):
        return None
    return row


def scim_people(*, organization: Organization) -> QuerySet[Membership]:
    """The organization's people that are SCIM Users (not DELETEd through SCIM)."""
    return (
        Membership.objects.filter(organization=organization, scim_deletion__isnull=True)
        .select_related("user", "user__rep_profile")
        .order_by("pk")
    )


def scim_teams(*, organization: Organization) -> QuerySet[Team]:
    """The organization's teams, each a SCIM Group of its reps."""
    reps = RepProfile.objects.filter(
        user__membership__organization=organization,
        user__membership__scim_deletion__isnull=True,
    ).select_related("user__membership")
    return (
        Team.objects.filter(organization=organization)
        .select_related("scim_link")
        .prefetch_related(Prefetch("reps", queryset=reps, to_attr="scim_reps"))
        .order_by("pk")
    )
