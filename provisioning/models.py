"""SCIM provisioning: an organization's bearer token, the identity provider's
id of a team (Group), and the people it deleted."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from enablement.models import Membership, Organization, Team


class ProvisioningToken(models.Model):
    """The bearer token an organization's identity provider calls /scim/v2/ with.

    Only a SHA-256 digest of the token is stored: the token itself is shown
    once, when it is issued or rotated.
    """

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="provisioning_token"
    )
    token_digest = models.CharField(max_length=64, unique=True, editable=False)
    # The first characters, so an admin can tell which token an IdP holds.
    token_prefix = models.CharField(max_length=12, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    rotated_at = models.DateTimeField(auto_now=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["organization__name"]
        verbose_name = _("SCIM token")

    def __str__(self) -> str:
        return f"{self.organization} ({self.token_prefix}…)"


class DeletedPerson(models.Model):
    """A person the identity provider DELETEd: deactivated, history kept, and
    no longer a SCIM resource (404) until the IdP creates them again."""

    membership = models.OneToOneField(
        Membership, on_delete=models.CASCADE, related_name="scim_deletion"
    )
    deleted_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return str(self.membership)


class TeamLink(models.Model):
    """What the identity provider calls a team it provisions as a Group."""

    team = models.OneToOneField(
        Team, on_delete=models.CASCADE, related_name="scim_link"
    )
    external_id = models.CharField(max_length=255, blank=True)

    def __str__(self) -> str:
        return f"{self.team} ({self.external_id})"
