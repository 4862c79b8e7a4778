""" "Plan today now" in admin: for rep profiles, teams and an enrollment's reps.

Enablement cannot import reinforcement, so the action sends
`plan_today_requested` and reinforcement's receiver plans (the service the
minutely re-plan uses, ignoring the delivery hour). Allowed to whoever may
change enrollments, on the rows of their organizations (the admin's scoped
queryset).
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from enablement.models import Enrollment, RepProfile, Team
from enablement.signals import plan_today_requested


def plan_rep_ids(queryset) -> list[int]:
    """The reps of a queryset of rep profiles, teams or enrollments."""
    profiles = RepProfile.objects.all()
    if queryset.model is RepProfile:
        profiles = profiles.filter(pk__in=queryset.values("pk"))
    elif queryset.model is Team:
        profiles = profiles.filter(team__in=queryset.values("pk"))
    elif queryset.model is Enrollment:
        profiles = profiles.filter(
            Q(team_id__in=queryset.values("team_id"))
            | Q(user_id__in=queryset.values("rep_id"))
        )
    else:
        raise TypeError(f"no reps in {queryset.model.__name__}")
    return sorted(profiles.values_list("user_id", flat=True))


@admin.action(description=gettext_lazy("Plan today now"), permissions=["plan"])
def plan_today_now(modeladmin, request, queryset) -> None:
    """Plan or re-plan today for the selected rows' reps; says how many and how much."""
    rep_ids = plan_rep_ids(queryset)
    reps = questions = 0
    for _receiver, (planned, asked) in plan_today_requested.send(
        sender=queryset.model, rep_ids=rep_ids
    ):
        reps, questions = reps + planned, questions + asked
    message = ngettext(
        "%(reps)d of %(total)d rep has a plan for today",
        "%(reps)d of %(total)d reps have a plan for today",
        len(rep_ids),
    ) % {"reps": reps, "total": len(rep_ids)}
    message += ngettext(
        ", with %(n)d question.", ", with %(n)d questions in all.", questions
    ) % {"n": questions}
    if reps < len(rep_ids):
        message += " " + _(
            "The others already answered today, are paused, on a day off, or have "
            "nothing to learn yet."
        )
    modeladmin.message_user(request, message, messages.SUCCESS)


class PlanTodayAdminMixin:
    """The "Plan today now" action, and its button on the change page."""

    change_form_template = "admin/enablement/plan_today_change_form.html"

    def has_plan_permission(self, request) -> bool:
        return request.user.has_perm("enablement.change_enrollment")

    def get_actions(self, request):
        actions = super().get_actions(request)
        if self.has_plan_permission(request):
            actions["plan_today_now"] = (
                plan_today_now,
                "plan_today_now",
                plan_today_now.short_description,
            )
        return actions

    def get_urls(self):
        name = f"{self.opts.app_label}_{self.opts.model_name}_plan_today"
        view = self.admin_site.admin_view(self.plan_today_view)
        return [
            path("<path:object_id>/plan-today/", view, name=name),
            *super().get_urls(),
        ]

    def plan_today_view(self, request, object_id):
        # The scoped queryset: another organization's row is not found.
        obj = self.get_object(request, object_id)
        if obj is None:
            raise Http404
        if not self.has_plan_permission(request):
            raise PermissionDenied
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        plan_today_now(self, request, self.get_queryset(request).filter(pk=obj.pk))
        opts = self.opts
        return redirect(
            reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
        )

    def render_change_form(self, request, context, *args, obj=None, **kwargs):
        if obj is not None and self.has_plan_permission(request):
            opts = self.opts
            context["plan_today_url"] = reverse(
                f"admin:{opts.app_label}_{opts.model_name}_plan_today", args=[obj.pk]
            )
        return super().render_change_form(request, context, *args, obj=obj, **kwargs)
