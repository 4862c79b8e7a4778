"""The stage-to-topic map in admin: which topics a rep needs in each stage,
and whether entering it sends the deal's owner a refresher."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from enablement.admin_tenancy import TenantScopedAdmin
from revenue.models import SalesStage, StageRefresher


class SalesStageForm(forms.ModelForm):
    class Meta:
        model = SalesStage
        fields = (
            "organization",
            "name",
            "external_id",
            "order",
            "kind",
            "topics",
            "refresh_on_entry",
        )

    def clean(self):
        data = super().clean()
        organization = data.get("organization")
        topics = data.get("topics") or ()
        others = [
            t.name
            for t in topics
            if organization is not None and t.organization_id != organization.pk
        ]
        if others:
            # The choices are the user's organizations'; a stage is one's.
            self.add_error(
                "topics",
                _("Not of this organization: %(names)s") % {"names": ", ".join(others)},
            )
        if data.get("refresh_on_entry") and not topics:
            self.add_error(
                "refresh_on_entry",
                _("Choose the stage's topics: a refresher asks about them."),
            )
        return data


@admin.register(SalesStage)
class SalesStageAdmin(TenantScopedAdmin):
    organization_path = "organization"
    form = SalesStageForm
    list_display = (
        "name",
        "organization",
        "order",
        "kind",
        "refresh_on_entry",
        "topic_names",
    )
    list_editable = ("order",)
    list_filter = ("organization", "kind", "refresh_on_entry")
    list_select_related = ("organization",)
    search_fields = ("name", "external_id")
    ordering = ("organization__name", "order", "name")
    filter_horizontal = ("topics",)

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("topics")

    @admin.display(description=_("topics"))
    def topic_names(self, obj: SalesStage) -> str:
        return ", ".join(sorted(t.name for t in obj.topics.all()))


@admin.register(StageRefresher)
class StageRefresherAdmin(TenantScopedAdmin):
    """What each stage entry gave its owner: made, waiting for the window,
    capped by the daily limit, or skipped and why. Read-only."""

    organization_path = "organization"
    list_display = (
        "opportunity",
        "stage",
        "rep",
        "status",
        "detail",
        "entered_at",
        "due_at",
        "made_at",
    )
    list_filter = ("status", "stage")
    list_select_related = ("opportunity", "stage", "rep")
    search_fields = ("opportunity__name", "opportunity__external_id", "rep__username")
    ordering = ("-entered_at",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
