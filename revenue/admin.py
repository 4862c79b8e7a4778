"""Deals in admin: opportunities with their stage history (read-only), the
received event ids, the webhook's secrets (rotated, shown once) and the CRM
settings. Sales stages and their topic map: revenue/admin_stages.py."""

from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from enablement.admin_tenancy import (
    AdminsOnlyScopedAdmin,
    TenantScopedAdmin,
    TenantScopedMixin,
)
from revenue.admin_import import import_urls
from revenue.models import (
    CrmEvent,
    CrmSettings,
    Opportunity,
    StageChange,
    WebhookSecret,
)
from revenue.services.webhook_secrets import webhook_secret_rotate


class ReadOnly:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class StageChangeInline(ReadOnly, TenantScopedMixin, admin.TabularInline):
    model = StageChange
    organization_path = "organization"
    fields = ("changed_at", "from_stage", "to_stage", "owner")
    readonly_fields = fields
    extra = 0
    ordering = ("changed_at",)


class OwnerMatchedFilter(admin.SimpleListFilter):
    title = _("owner")
    parameter_name = "owner_matched"

    def lookups(self, request, model_admin):
        return (("no", _("Unknown owner")), ("yes", _("Matched to a person")))

    def queryset(self, request, queryset):
        if self.value() == "no":
            return queryset.filter(owner__isnull=True)
        if self.value() == "yes":
            return queryset.filter(owner__isnull=False)
        return queryset


@admin.register(Opportunity)
class OpportunityAdmin(ReadOnly, TenantScopedAdmin):
    organization_path = "organization"
    list_display = (
        "external_id",
        "name",
        "owner",
        "owner_email",
        "stage",
        "outcome",
        "amount",
        "currency",
        "closed_at",
    )
    list_filter = (OwnerMatchedFilter, "outcome", "stage")
    list_select_related = ("owner", "stage")
    search_fields = ("external_id", "name", "owner_email", "owner_external_id")
    ordering = ("-updated_at",)
    inlines = (StageChangeInline,)
    change_list_template = "admin/revenue/opportunity_change_list.html"

    def get_urls(self):
        return import_urls(self.admin_site) + super().get_urls()


@admin.register(CrmEvent)
class CrmEventAdmin(ReadOnly, TenantScopedAdmin):
    organization_path = "organization"
    list_display = ("event_id", "source", "received_at", "result")
    list_filter = ("source",)
    search_fields = ("event_id",)
    ordering = ("-received_at",)


@admin.register(CrmSettings)
class CrmSettingsAdmin(TenantScopedAdmin):
    organization_path = "organization"
    list_display = ("organization", "refreshers_per_day")


@admin.register(WebhookSecret)
class WebhookSecretAdmin(AdminsOnlyScopedAdmin):
    """Added or rotated, never edited: the secret is shown once, then only
    its key id and expiry."""

    organization_path = "organization"
    list_display = ("key_id", "organization", "created_at", "expires_at")
    fields = ("organization",)
    actions = ("rotate_secrets",)
    ordering = ("-created_at",)

    def has_change_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        row, secret = webhook_secret_rotate(
            organization=obj.organization, now=timezone.now()
        )
        obj.pk = row.pk
        obj.refresh_from_db()
        self._show_once(request, row, secret)

    @admin.action(
        description=_("Rotate secret (the old one expires after the overlap)")
    )
    def rotate_secrets(self, request, queryset):
        for organization in {
            row.organization for row in queryset.select_related("organization")
        }:
            row, secret = webhook_secret_rotate(
                organization=organization, now=timezone.now()
            )
            self._show_once(request, row, secret)

    @staticmethod
    def _show_once(request, row: WebhookSecret, secret: str) -> None:
        messages.warning(
            request,
            _(
                "CRM webhook of %(organization)s: key id %(key)s, secret %(secret)s "
                "— copy both into your CRM now; the secret is not shown again. "
                "Earlier secrets keep working until their expiry."
            )
            % {"organization": row.organization, "key": row.key_id, "secret": secret},
        )
