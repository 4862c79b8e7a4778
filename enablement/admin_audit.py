"""The audit log in admin: read-only, scoped to the user's organizations.

Filter by organization, actor, action, cause and type of object; "this
object" in a row lists every entry of that object (type and id in the query
string: ``?content_type__id__exact=7&object_id=42``). An author sees their
organization's content entries only; people and settings stay with admins.
"""

from auditlog.filters import ResourceTypeFilter
from auditlog.mixins import LogEntryAdminMixin
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from enablement.admin_tenancy import TenantScopedAdmin
from enablement.models import AuditEntry, Organization
from enablement.services.groups import CONTENT_MODELS

# auditlog registers its own, unscoped admin for the entry model.
if admin.site.is_registered(AuditEntry):
    admin.site.unregister(AuditEntry)


@admin.register(AuditEntry)
class AuditEntryAdmin(LogEntryAdminMixin, TenantScopedAdmin):
    organization_path = "organization"
    date_hierarchy = "timestamp"
    list_select_related = ("content_type", "actor", "organization")
    list_display = (
        "created",
        "resource_url",
        "action",
        "msg_short",
        "who",
        "cause",
        "object_entries",
    )
    list_filter = ("organization", "action", ResourceTypeFilter, "actor", "cause")
    search_fields = ("object_repr", "cause", "via", "actor__username")
    fields = (
        "created",
        "who",
        "organization",
        "resource_url",
        "cause",
        "action",
        "msg",
        "remote_addr",
    )
    readonly_fields = fields

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        user = request.user
        if user.is_superuser:
            return queryset
        content = ContentType.objects.filter(
            app_label="enablement", model__in=CONTENT_MODELS
        )
        administered = Organization.objects.filter(admins=user).values("pk")
        authored = Organization.objects.filter(authors=user).values("pk")
        return queryset.filter(
            Q(organization_id__in=administered)
            | Q(organization_id__in=authored, content_type__in=content)
        )

    def lookup_allowed(self, lookup, value, request=None):
        # "Entries of this object": its type and id.
        if lookup in ("object_id", "object_pk", "content_type__id__exact"):
            return True
        return super().lookup_allowed(lookup, value, request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("who"), ordering="actor__username")
    def who(self, obj: AuditEntry) -> str:
        """The person who acted, else the command or system that did."""
        if obj.actor is not None:
            return obj.actor.get_username()
        return obj.via or _("system")

    @admin.display(description=_("history"))
    def object_entries(self, obj: AuditEntry) -> str:
        url = reverse("admin:enablement_auditentry_changelist")
        query = (
            f"?content_type__id__exact={obj.content_type_id}&object_pk={obj.object_pk}"
        )
        return format_html('<a href="{}{}">{}</a>', url, query, _("this object"))
