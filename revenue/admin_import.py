"""Opportunity import in admin: upload, preview, confirm (as the roster's).

The upload is imported as a dry run (the real import, rolled back) and
shown as a preview; its bytes wait in the session until Confirm imports them
for real. Mounted under the Opportunity admin's URLs.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from enablement.import_previews import import_preview_store, import_preview_take
from enablement.models import Organization
from revenue.models import Opportunity
from revenue.services.opportunity_import import (
    COLUMNS,
    FORMATS,
    OpportunityImportError,
    opportunity_import,
)

SESSION_KEY = "opportunity_import_preview"
PERMISSIONS = ("revenue.add_opportunity", "revenue.change_opportunity")
MAX_UPLOAD_BYTES = 10 * 1024 * 1024


def import_organizations(*, user) -> QuerySet:
    """Where the user may import: the organizations they administer."""
    if user.is_active and user.is_superuser:
        return Organization.objects.order_by("name")
    return Organization.objects.filter(admins=user).order_by("name")


class OpportunityUploadForm(forms.Form):
    organization = forms.ModelChoiceField(queryset=Organization.objects.none())
    format = forms.ChoiceField(
        choices=[(f, f) for f in FORMATS],
        help_text=_(
            "salesforce: an Opportunity History report; hubspot: a deals export."
        ),
    )
    file = forms.FileField(help_text=_("A CSV file (UTF-8)."))

    def __init__(self, *args, organizations: QuerySet, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("A file is at most 10 MB."))
        return upload


def _page(request, admin_site, template: str, title, **context) -> TemplateResponse:
    if not request.user.has_perms(PERMISSIONS):
        raise PermissionDenied
    context = {
        **admin_site.each_context(request),
        "title": title,
        "opts": Opportunity._meta,
        "layouts": {
            name: [c[0] for c in cols.values()] for name, cols in COLUMNS.items()
        },
        **context,
    }
    return TemplateResponse(request, f"admin/revenue/{template}", context)


def import_urls(admin_site) -> list:
    def upload_view(request: HttpRequest) -> HttpResponse:
        """Upload a file: a preview of what would change, or every error."""
        organizations = import_organizations(user=request.user)
        form = OpportunityUploadForm(
            request.POST or None, request.FILES or None, organizations=organizations
        )
        errors: list[str] = []
        if (
            request.method == "POST"
            and form.is_valid()
            and request.user.has_perms(PERMISSIONS)
        ):
            organization = form.cleaned_data["organization"]
            data = form.cleaned_data["file"].read()
            layout = form.cleaned_data["format"]
            try:
                result = opportunity_import(
                    organization=organization,
                    data=data,
                    layout=layout,
                    now=timezone.now(),
                    dry_run=True,
                )
            except OpportunityImportError as error:
                errors = error.errors
            else:
                token = import_preview_store(
                    request,
                    key=SESSION_KEY,
                    data=data,
                    organization=organization.pk,
                    layout=layout,
                )
                return _page(
                    request,
                    admin_site,
                    "opportunity_import_preview.html",
                    _("Opportunity import preview"),
                    result=result,
                    duplicates=result.count("duplicate"),
                    organization=organization,
                    token=token,
                )
        return _page(
            request,
            admin_site,
            "opportunity_import.html",
            _("Import opportunities"),
            form=form,
            errors=errors,
        )

    @require_POST
    def confirm_view(request: HttpRequest) -> HttpResponse:
        """Import the previewed file for real (the whole file or nothing)."""
        if not request.user.has_perms(PERMISSIONS):
            raise PermissionDenied
        stored = import_preview_take(request, key=SESSION_KEY)
        if stored is None:
            messages.error(
                request, _("That preview has expired; upload the file again.")
            )
            return redirect("admin:revenue_opportunity_import")
        organization = get_object_or_404(
            import_organizations(user=request.user), pk=stored["organization"]
        )
        try:
            result = opportunity_import(
                organization=organization,
                data=stored["data"],
                layout=stored["layout"],
                now=timezone.now(),
            )
        except OpportunityImportError as error:
            messages.error(request, "; ".join(error.errors))
            return redirect("admin:revenue_opportunity_import")
        messages.success(request, _("Imported: %s.") % result)
        return redirect("admin:revenue_opportunity_changelist")

    return [
        path(
            "import/",
            admin_site.admin_view(upload_view),
            name="revenue_opportunity_import",
        ),
        path(
            "import/confirm/",
            admin_site.admin_view(confirm_view),
            name="revenue_opportunity_import_confirm",
        ),
    ]
