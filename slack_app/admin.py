"""Admin of the Slack app: the workspace installation and reps' Slack users.

An enablement admin installs the app from the installations list ("Install
the Slack app", OAuth at Slack) and finds the reps no Slack user was found
for under Slack members, filtered "Matched: no", with "Match again".
"""

from django.contrib import admin, messages
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from enablement.admin_tenancy import TenantScopedAdmin
from slack_app.client import slack_app_configured
from slack_app.models import SlackInstallation, SlackMember
from slack_app.services.members import slack_members_match

# "Match again" on this many reps or fewer looks them up in the request
# (one Slack call each); more go to a task.
MATCH_INLINE_MAX = 20


@admin.register(SlackInstallation)
class SlackInstallationAdmin(TenantScopedAdmin):
    organization_path = "organization"
    list_display = (
        "team_name",
        "organization",
        "matched_count",
        "unmatched_count",
        "installed_by",
        "updated_at",
    )
    list_select_related = ("organization", "installed_by")
    search_fields = ("team_name", "team_id")
    ordering = ("organization__name",)
    # The bot token is never shown; installing again replaces it.
    fields = (
        "organization",
        "team_name",
        "team_id",
        "enterprise_id",
        "app_id",
        "bot_user_id",
        "scopes",
        "installed_by",
        "created_at",
        "updated_at",
    )
    readonly_fields = fields
    actions = ["match_all_again"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                matched=Count("members", filter=~Q(members__slack_user_id="")),
                unmatched=Count("members", filter=Q(members__slack_user_id="")),
            )
        )

    @admin.display(description=_("matched reps"), ordering="matched")
    def matched_count(self, obj):
        return obj.matched

    @admin.display(description=_("unmatched reps"), ordering="unmatched")
    def unmatched_count(self, obj):
        return obj.unmatched

    def has_add_permission(self, request):
        return False  # installed through Slack's OAuth ("Install the Slack app")

    def changelist_view(self, request, extra_context=None):
        extra_context = extra_context or {}
        if slack_app_configured() and self.has_view_permission(request):
            extra_context["slack_install_url"] = reverse("slack:install")
        return super().changelist_view(request, extra_context)

    @admin.action(description=_("Match unmatched reps to Slack users again"))
    def match_all_again(self, request, queryset):
        from slack_app.tasks import slack_members_match_task

        for installation in queryset:
            slack_members_match_task.delay(installation_id=installation.pk)
        self.message_user(request, _("Matching started; refresh in a minute."))


class MatchedFilter(admin.SimpleListFilter):
    title = _("matched")
    parameter_name = "matched"

    def lookups(self, request, model_admin):
        return (("yes", _("Yes")), ("no", _("No")))

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.exclude(slack_user_id="")
        if self.value() == "no":
            return queryset.filter(slack_user_id="")
        return queryset


@admin.register(SlackMember)
class SlackMemberAdmin(TenantScopedAdmin):
    organization_path = "installation__organization"
    list_display = ("rep", "rep_email", "slack_user_id", "error", "checked_at")
    list_filter = (MatchedFilter,)
    list_select_related = ("rep", "installation")
    search_fields = ("rep__username", "rep__email", "slack_user_id")
    ordering = ("slack_user_id", "rep__username")
    fields = ("installation", "rep", "slack_user_id", "error", "checked_at")
    readonly_fields = fields
    actions = ["match_again"]

    @admin.display(description=_("email"), ordering="rep__email")
    def rep_email(self, obj):
        return obj.rep.email

    def has_add_permission(self, request):
        return False  # rows come from matching by email

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Match again"), permissions=["view"])
    def match_again(self, request, queryset):
        from slack_app.tasks import slack_members_match_task

        by_installation: dict = {}
        for member in queryset.filter(slack_user_id="").select_related("installation"):
            by_installation.setdefault(member.installation, []).append(member.rep_id)
        total = sum(len(ids) for ids in by_installation.values())
        if total > MATCH_INLINE_MAX:
            for installation, rep_ids in by_installation.items():
                slack_members_match_task.delay(
                    installation_id=installation.pk, rep_ids=rep_ids
                )
            self.message_user(request, _("Matching started; refresh in a minute."))
            return
        found = 0
        for installation, rep_ids in by_installation.items():
            found += slack_members_match(
                installation=installation, rep_ids=rep_ids, now=timezone.now()
            )[0]
        self.message_user(
            request,
            ngettext(
                "%(found)d of %(n)d rep matched to a Slack user.",
                "%(found)d of %(n)d reps matched to Slack users.",
                total,
            )
            % {"found": found, "n": total},
            messages.SUCCESS if found == total else messages.WARNING,
        )
