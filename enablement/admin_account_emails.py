"""Invitation and password-reset emails in admin: what went out, what is pending,
what failed and why; read-only (the outbox writes them), with resend."""

from django.contrib import admin

from enablement.admin_people_actions import invitation_resend
from enablement.admin_tenancy import TenantScopedAdmin
from enablement.models import AccountEmail


@admin.register(AccountEmail)
class AccountEmailAdmin(TenantScopedAdmin):
    organization_path = "user__membership__organization"
    list_display = ("user", "kind", "status", "attempts", "sent_at", "last_error")
    list_filter = ("kind", "status")
    list_select_related = ("user",)
    search_fields = ("user__email", "user__username")
    ordering = ("-created_at",)
    actions = (invitation_resend,)
    readonly_fields = (
        "user", "kind", "status", "attempts", "next_attempt_at", "sent_at",
        "last_error", "created_at",
    )  # fmt: skip
    fields = readonly_fields

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
