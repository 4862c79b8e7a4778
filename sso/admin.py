"""Admin of single sign-on: an enablement admin sets up their organization's provider."""

from django import forms
from django.conf import settings
from django.contrib import admin
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from enablement.admin_tenancy import TenantScopedAdmin, TenantScopedMixin
from sso.models import AllowedDomain, IdentityProvider


class IdentityProviderForm(forms.ModelForm):
    issuer = forms.URLField(
        label=_("issuer URL"),
        max_length=500,
        assume_scheme="https",
        help_text=IdentityProvider._meta.get_field("issuer").help_text,
    )
    # Never shown back; left empty on a change, the stored secret stays.
    client_secret = forms.CharField(
        label=_("client secret"),
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_("Stored encrypted. Leave empty to keep the current secret."),
    )

    class Meta:
        model = IdentityProvider
        fields = (
            "organization",
            "display_name",
            "enabled",
            "issuer",
            "client_id",
            "client_secret",
            "unknown_users",
            "default_team",
        )

    def clean_client_secret(self):
        secret = self.cleaned_data["client_secret"]
        if secret:
            return secret
        if self.instance.pk:
            return self.instance.client_secret
        raise forms.ValidationError(_("Enter the client secret."))


class AllowedDomainInline(TenantScopedMixin, admin.TabularInline):
    model = AllowedDomain
    organization_path = "provider__organization"
    fields = ("domain",)
    extra = 1


@admin.register(IdentityProvider)
class IdentityProviderAdmin(TenantScopedAdmin):
    organization_path = "organization"
    form = IdentityProviderForm
    inlines = [AllowedDomainInline]
    list_display = (
        "display_name",
        "organization",
        "issuer",
        "unknown_users",
        "enabled",
    )
    list_filter = ("enabled", "unknown_users")
    list_select_related = ("organization",)
    search_fields = ("display_name", "issuer", "domains__domain")
    ordering = ("organization__name",)
    readonly_fields = ("redirect_uri",)
    fieldsets = (
        (None, {"fields": ("organization", "display_name", "enabled")}),
        (
            _("Provider"),
            {"fields": ("issuer", "client_id", "client_secret", "redirect_uri")},
        ),
        (_("Who may sign in"), {"fields": ("unknown_users", "default_team")}),
    )

    @admin.display(description=_("redirect URI to register at the provider"))
    def redirect_uri(self, obj):
        # This site's address (SITE_URL) followed by the callback's path.
        return settings.SITE_URL.rstrip("/") + reverse("sso:callback")
