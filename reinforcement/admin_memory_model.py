""" "Memory model" in admin: an organization's model report, for its enablement admins.

The page (``report/`` under the refit history) shows, on the newest refit's
time-ordered hold-out, the predicted probability of a right answer against the
observed rate (a reliability diagram, as an inline SVG and as a table), the
log loss and RMSE(bins) of the model in use against the FSRS-6 defaults, and
the refit history. An admin sees the organizations they administer; a
superuser picks any.
"""

from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy

from enablement.admin_tenancy import user_organizations
from enablement.models import Organization
from reinforcement.selectors.memory_models import memory_model_report

# The diagram's drawing area in SVG units, and its margin for the axes' labels.
CHART_SIZE, CHART_MARGIN = 240, 40


class MemoryModelReportAdminMixin:
    """The report page of the MemoryModelFit admin."""

    def get_urls(self):
        return [
            path(
                "report/",
                self.admin_site.admin_view(self.report_view),
                name="reinforcement_memorymodelfit_report",
            ),
            *super().get_urls(),
        ]

    def report_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        organizations = (
            Organization.objects.order_by("name")
            if request.user.is_superuser
            else user_organizations(user=request.user).order_by("name")
        )
        wanted = request.GET.get("organization", "")
        organization = (
            organizations.filter(pk=int(wanted)).first() if wanted.isdigit() else None
        ) or organizations.first()
        report = (
            memory_model_report(organization_id=organization.pk)
            if organization
            else None
        )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext_lazy("Memory model"),
            "organizations": organizations,
            "organization": organization,
            "report": report,
            "chart": _chart(report) if report and report.model else None,
        }
        return TemplateResponse(
            request, "admin/reinforcement/memory_model.html", context
        )


def _chart(report) -> dict:
    """Points of the reliability diagram in SVG coordinates (y grows downwards)."""

    def points(summary):
        return [
            {
                "x": CHART_MARGIN + b["predicted"] * CHART_SIZE,
                "y": CHART_MARGIN + (1 - b["observed"]) * CHART_SIZE,
                "answers": b["answers"],
                "predicted": b["predicted"],
                "observed": b["observed"],
            }
            for b in summary["bins"]
            if b["answers"]
        ]

    model = points(report.model)
    return {
        "size": CHART_SIZE + 2 * CHART_MARGIN,
        "low": CHART_MARGIN,
        "inner": CHART_SIZE,
        "high": CHART_MARGIN + CHART_SIZE,
        "model": model,
        "model_path": " ".join(f"{p['x']:.1f},{p['y']:.1f}" for p in model),
        "default_path": " ".join(
            f"{p['x']:.1f},{p['y']:.1f}" for p in points(report.default)
        ),
    }
