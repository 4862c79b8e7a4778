"""Campaigns in admin: enablement's answer to what operations saw in the CRM."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from enablement.admin_tenancy import TenantScopedAdmin
from enablement.models import Campaign
from enablement.services.campaigns import campaign_plans_affect


class CampaignForm(forms.ModelForm):
    class Meta:
        model = Campaign
        fields = (
            "organization",
            "name",
            "topics",
            "teams",
            "starts_on",
            "ends_on",
            "boost",
            "note",
        )

    def clean(self):
        data = super().clean()
        organization = data.get("organization")
        if organization is not None:
            # The choices are the user's organizations'; a campaign is one's.
            for name in ("topics", "teams"):
                others = [
                    str(row)
                    for row in data.get(name) or ()
                    if row.organization_id != organization.pk
                ]
                if others:
                    self.add_error(
                        name,
                        _("Not of this organization: %(names)s")
                        % {"names": ", ".join(others)},
                    )
        return data


@admin.register(Campaign)
class CampaignAdmin(TenantScopedAdmin):
    organization_path = "organization"
    form = CampaignForm
    list_display = ("name", "organization", "starts_on", "ends_on", "boost")
    list_filter = ("organization",)
    list_select_related = ("organization",)
    search_fields = ("name", "note")
    filter_horizontal = ("topics", "teams")
    date_hierarchy = "starts_on"

    def save_model(self, request, obj, form, change):
        # The teams before the change: they are re-planned too.
        self._teams_before = (
            set(Campaign.objects.get(pk=obj.pk).teams.values_list("pk", flat=True))
            if change
            else set()
        )
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        after = set(form.instance.teams.values_list("pk", flat=True))
        campaign_plans_affect(team_ids=self._teams_before | after)

    def delete_model(self, request, obj):
        teams = list(obj.teams.values_list("pk", flat=True))
        super().delete_model(request, obj)
        campaign_plans_affect(team_ids=teams)

    def delete_queryset(self, request, queryset):
        teams = list(queryset.values_list("teams", flat=True))
        super().delete_queryset(request, queryset)
        campaign_plans_affect(team_ids=[t for t in teams if t is not None])
