""" "Delivery health" and "Resend failed" in admin, for the enablement admin.

The page reads its organization's counts per plan day and channel from the
selector; the action and the page's button put failed rows back to pending
through `deliveries_resend`, so the sweeper sends them. Rows are those of the
admin's scoped queryset (their organizations); a superuser picks any
organization.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy, ngettext

from enablement.admin_tenancy import user_organizations
from enablement.models import Organization
from reinforcement.selectors.deliveries import (
    HEALTH_DAYS,
    deliveries_failed,
    delivery_health,
)
from reinforcement.services.delivery import deliveries_resend

FAILED_SHOWN = 200


@admin.action(description=gettext_lazy("Resend failed"), permissions=["resend"])
def resend_failed(modeladmin, request, queryset) -> None:
    """Put the selected failed deliveries back to pending; the sweeper sends them."""
    count = deliveries_resend(
        delivery_ids=queryset.values_list("pk", flat=True), now=timezone.now()
    )
    modeladmin.message_user(request, _resent_message(count), messages.SUCCESS)


def _resent_message(count: int) -> str:
    return ngettext(
        "%(n)d failed delivery is pending again; the sweeper sends it within a minute.",
        "%(n)d failed deliveries are pending again; the sweeper sends them within a "
        "minute.",
        count,
    ) % {"n": count}


class DeliveryHealthAdminMixin:
    """The health page (`health/`), its resend button, and the "Resend failed" action."""

    actions = (resend_failed,)

    def has_resend_permission(self, request) -> bool:
        return request.user.has_perm("reinforcement.change_delivery")

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path(
                "health/",
                wrap(self.health_view),
                name="reinforcement_delivery_health",
            ),
            path(
                "health/resend/",
                wrap(self.health_resend_view),
                name="reinforcement_delivery_health_resend",
            ),
            *super().get_urls(),
        ]

    def _organizations(self, request):
        if request.user.is_superuser:
            return Organization.objects.order_by("name")
        return user_organizations(user=request.user).order_by("name")

    def _organization(self, request, organizations):
        """The organization asked for (?organization=<id>), if the user's; else their first."""
        wanted = request.POST.get("organization") or request.GET.get("organization")
        if wanted and str(wanted).isdigit():
            chosen = organizations.filter(pk=int(wanted)).first()
            if chosen is not None:
                return chosen
        return organizations.first()

    def health_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        organizations = self._organizations(request)
        organization = self._organization(request, organizations)
        now = timezone.now()
        today = timezone.localdate(now)
        rows = failed = []
        if organization is not None:
            rows = delivery_health(organization_id=organization.pk, today=today)
            failed = list(
                deliveries_failed(organization_id=organization.pk, today=today)[
                    :FAILED_SHOWN
                ]
            )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext_lazy("Delivery health"),
            "organizations": organizations,
            "organization": organization,
            "rows": rows,
            "failed": failed,
            "failed_shown": FAILED_SHOWN,
            "days": HEALTH_DAYS,
            "now": now,
            "can_resend": self.has_resend_permission(request),
        }
        return TemplateResponse(
            request, "admin/reinforcement/delivery_health.html", context
        )

    def health_resend_view(self, request):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_resend_permission(request):
            raise PermissionDenied
        organization = self._organization(request, self._organizations(request))
        url = reverse("admin:reinforcement_delivery_health")
        if organization is None:
            return redirect(url)
        ids = deliveries_failed(
            organization_id=organization.pk, today=timezone.localdate()
        ).values_list("pk", flat=True)
        count = deliveries_resend(delivery_ids=ids, now=timezone.now())
        self.message_user(request, _resent_message(count), messages.SUCCESS)
        return redirect(f"{url}?organization={organization.pk}")
