"""Admin of an organization's people side: its settings, teams, rep profiles and
enrollments (content is in admin.py, people in admin_people.py)."""

from django.contrib import admin
from django.db import models
from django.utils.translation import gettext_lazy as _

from enablement.admin_people_actions import PEOPLE_ACTIONS
from enablement.admin_planning import PlanTodayAdminMixin
from enablement.admin_team_messages import TeamTestMessageAdminMixin
from enablement.admin_tenancy import TenantScopedAdmin, TenantScopedMixin
from enablement.models import Enrollment, Holiday, Organization, RepProfile, Team

# Authors paste playbook links without a scheme; those are https.
URL_FIELD_OVERRIDES = {models.URLField: {"assume_scheme": "https"}}


class HolidayInline(TenantScopedMixin, admin.TabularInline):
    """Company holidays: days off for every rep, beside the country's."""

    model = Holiday
    organization_path = "organization"
    fields = ("date", "name")
    extra = 1


@admin.register(Organization)
class OrganizationAdmin(TenantScopedAdmin):
    organization_path = ""
    list_display = (
        "name",
        "target_retention",
        "default_daily_dose",
        "new_questions_per_day",
    )
    search_fields = ("name",)
    ordering = ("name",)
    filter_horizontal = ("admins", "authors")
    fieldsets = (
        (None, {"fields": ("name", "admins", "authors")}),
        (
            _("Reinforcement settings"),
            {
                "fields": (
                    "target_retention",
                    "default_daily_dose",
                    "new_questions_per_day",
                    "prompt_window_days",
                )
            },
        ),
        (
            _("Delivery channels"),
            {
                "fields": (
                    "email_delivery",
                    "slack_delivery",
                    "teams_delivery",
                    "reminder_hour",
                )
            },
        ),
        (_("Calendar"), {"fields": ("working_days", "holiday_country")}),
        (_("Engagement"), {"fields": ("engagement_enabled", "leaderboard_names")}),
    )
    inlines = (HolidayInline,)

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        if request.user.is_superuser:
            return fields
        # Roles are given in People (person_upsert), with their group and staff.
        return (*fields, "admins", "authors")

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if not change and not request.user.is_superuser:
            # Whoever creates an organization administers it, or it would
            # vanish from their admin.
            form.instance.admins.add(request.user)


@admin.register(Team)
class TeamAdmin(TeamTestMessageAdminMixin, PlanTodayAdminMixin, TenantScopedAdmin):
    organization_path = "organization"
    formfield_overrides = URL_FIELD_OVERRIDES
    list_display = ("name", "organization")
    list_filter = ("organization",)
    list_select_related = ("organization",)
    search_fields = ("name",)
    ordering = ("organization__name", "name")
    filter_horizontal = ("managers",)


@admin.register(RepProfile)
class RepProfileAdmin(PlanTodayAdminMixin, TenantScopedAdmin):
    organization_path = "team__organization"
    list_display = (
        "user",
        "team",
        "time_zone",
        "delivery_hour",
        "working_days",
        "paused_until",
    )
    list_filter = ("team__organization", "team", "time_zone")
    list_select_related = ("user", "team")
    search_fields = (
        "user__username",
        "user__email",
        "user__first_name",
        "user__last_name",
    )
    ordering = ("user__username",)
    autocomplete_fields = ("user", "team")
    # Invitation resend, GDPR export and erasure (move to the People admin).
    actions = PEOPLE_ACTIONS


@admin.register(Enrollment)
class EnrollmentAdmin(PlanTodayAdminMixin, TenantScopedAdmin):
    organization_path = "module__methodology__organization"
    list_display = ("module", "team", "rep", "starts_on", "taught_on")
    list_filter = ("module__methodology", "team")
    list_select_related = ("module__methodology", "team", "rep")
    search_fields = ("module__name", "team__name", "rep__username")
    ordering = ("-starts_on",)
    autocomplete_fields = ("module", "team", "rep")
