"""Single sign-on: an organization's OpenID Connect identity provider."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from enablement.encrypted_fields import EncryptedTextField
from enablement.models import Organization, Team, TimestampedModel


class IdentityProvider(TimestampedModel):
    """Where an organization's people sign in: an OIDC issuer and its client."""

    class UnknownUsers(models.TextChoices):
        CREATE = "create", _("Create them as reps in the default team")
        REFUSE = "refuse", _("Refuse them")

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="identity_provider"
    )
    display_name = models.CharField(
        _("display name"),
        max_length=60,
        default="SSO",
        help_text=_(
            'Named on the sign-in pages, e.g. "Acme Okta did not let you sign in".'
        ),
    )
    issuer = models.URLField(
        _("issuer URL"),
        max_length=500,
        help_text=_(
            "Its discovery document is ISSUER/.well-known/openid-configuration."
        ),
    )
    client_id = models.CharField(_("client ID"), max_length=255)
    client_secret = EncryptedTextField(_("client secret"))
    unknown_users = models.CharField(
        _("unknown users"),
        max_length=10,
        choices=UnknownUsers.choices,
        default=UnknownUsers.REFUSE,
        help_text=_("A signed-in person with no account here yet."),
    )
    default_team = models.ForeignKey(
        Team,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The team new reps join when unknown users are created."),
    )
    enabled = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("identity provider")

    def __str__(self):
        return f"{self.display_name} ({self.organization})"

    def clean(self):
        if self.default_team_id and (
            self.default_team.organization_id != self.organization_id
        ):
            raise ValidationError(
                {"default_team": _("Choose a team of this organization.")}
            )
        if self.unknown_users == self.UnknownUsers.CREATE and not self.default_team_id:
            raise ValidationError(
                {"default_team": _("Creating unknown users needs a default team.")}
            )

    @property
    def discovery_url(self) -> str:
        return self.issuer.rstrip("/") + "/.well-known/openid-configuration"


class AllowedDomain(models.Model):
    """An email domain whose people sign in with this provider; one provider each."""

    provider = models.ForeignKey(
        IdentityProvider, on_delete=models.CASCADE, related_name="domains"
    )
    domain = models.CharField(
        _("email domain"), max_length=253, unique=True, help_text="example.com"
    )

    class Meta:
        ordering = ["domain"]

    def __str__(self):
        return self.domain

    def clean(self):
        self.domain = self.domain.strip().lower().lstrip("@")
        if "." not in self.domain or "@" in self.domain or " " in self.domain:
            raise ValidationError({"domain": _("Enter a domain such as example.com.")})


class SsoIdentity(TimestampedModel):
    """A person's subject (``sub``) at their organization's identity provider.

    Kept apart from Membership.external_id, which rosters and SCIM set: an
    ID token's subject is often another identifier (Entra's is per app).
    """

    provider = models.ForeignKey(
        IdentityProvider, on_delete=models.CASCADE, related_name="identities"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="sso_identities",
    )
    subject = models.CharField(max_length=255)

    class Meta:
        verbose_name_plural = _("SSO identities")
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "subject"], name="sso_identity_unique_subject"
            ),
            models.UniqueConstraint(
                fields=["provider", "user"], name="sso_identity_unique_user"
            ),
        ]

    def __str__(self):
        return f"{self.provider_id}:{self.subject}"
