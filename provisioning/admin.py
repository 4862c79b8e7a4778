"""The SCIM token in admin: issued and rotated by an organization's enablement
admins (not its authors), shown once, stored as a digest."""

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from enablement.admin_tenancy import AdminsOnlyScopedAdmin
from enablement.models import Organization
from provisioning.models import ProvisioningToken
from provisioning.services import token_rotate


class ProvisioningTokenForm(forms.ModelForm):
    rotate = forms.BooleanField(
        required=False,
        label=_("Rotate the token"),
        help_text=_(
            "Issue a new token now; the old one stops working at once. The new "
            "token is shown once, on the next page."
        ),
    )

    class Meta:
        model = ProvisioningToken
        fields = ("organization",)


@admin.register(ProvisioningToken)
class ProvisioningTokenAdmin(AdminsOnlyScopedAdmin):
    organization_path = "organization"
    form = ProvisioningTokenForm
    list_display = ("organization", "token_prefix", "rotated_at", "last_used_at")
    readonly_fields = ("token_prefix", "created_at", "rotated_at", "last_used_at")
    actions = ("rotate_tokens",)

    def get_readonly_fields(self, request, obj=None):
        fixed = ("organization",) if obj is not None else ()
        return fixed + self.readonly_fields

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("organization",)
        return ("organization", "rotate", *self.readonly_fields)

    def save_model(self, request, obj, form, change):
        organization: Organization = obj.organization
        if change and not form.cleaned_data.get("rotate"):
            return
        token = token_rotate(organization=organization)
        obj.pk = ProvisioningToken.objects.get(organization=organization).pk
        obj.refresh_from_db()
        self._show_once(request, organization, token)

    @admin.action(
        description=_("Rotate the selected tokens (the old ones stop working)")
    )
    def rotate_tokens(self, request, queryset):
        for row in queryset.select_related("organization"):
            self._show_once(
                request, row.organization, token_rotate(organization=row.organization)
            )

    @staticmethod
    def _show_once(request, organization, token: str) -> None:
        messages.warning(
            request,
            _(
                "SCIM token of %(organization)s: %(token)s — copy it into your "
                "identity provider now; it is not shown again."
            )
            % {"organization": organization, "token": token},
        )
